import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CoordinationV1Api, V1MicroTime } from '@kubernetes/client-node';
import { expect } from 'chai';
import { cleanLeftovers } from '../../checks/janitor.ts';
import { holdRunLease, liveRuns, runLeaseNamespace } from '../../checks/run-lease.ts';
import { type Kube, kubeFromFile } from '../../src/kube/client.ts';
import { runLabel } from '../../src/model/labels.ts';
import type { LocalClusterSpec } from '../../src/model/local-cluster-spec.ts';
import { CheckClusters } from '../helpers/check-clusters.ts';

describe('janitor: leftovers of dead runs go, objects of runs still alive stay', () => {
  let clusters: CheckClusters;
  let kube: Kube;

  before(async () => {
    clusters = await CheckClusters.create();
    await clusters.up('janitor');
    const spec = JSON.parse(
      await readFile(join(clusters.stateDir, 'clusters', 'janitor', 'cluster.json'), 'utf8'),
    ) as LocalClusterSpec;
    kube = kubeFromFile(spec.kubeconfig);
  });

  after(async () => {
    if (clusters) await clusters.down('janitor');
  });

  const namespaceOf = (runId: string) =>
    kube.core.createNamespace({
      body: { metadata: { name: `gauntlet-janitor-${runId}`, labels: { [runLabel]: runId } } },
    });
  const exists = (runId: string) =>
    kube.core.readNamespace({ name: `gauntlet-janitor-${runId}` }).then(
      (ns) => ns.status?.phase === 'Active',
      () => false,
    );

  it('keeps the namespaces of the current run and of a concurrent run holding its Lease; deletes the rest', async () => {
    const concurrent = await holdRunLease(kube, 'concurrent');
    // A run that was killed: its Lease was last renewed long ago.
    const leases = kube.config.makeApiClient(CoordinationV1Api);
    await leases.createNamespacedLease({
      namespace: runLeaseNamespace,
      body: {
        metadata: { name: 'gauntlet-run-killed', labels: { [runLabel]: 'killed' } },
        spec: {
          holderIdentity: 'killed',
          leaseDurationSeconds: 60,
          renewTime: new V1MicroTime(Date.now() - 10 * 60_000),
        },
      },
    });
    for (const run of ['current', 'concurrent', 'killed', 'leaseless']) await namespaceOf(run);
    try {
      await concurrent.renew();
      expect([...(await liveRuns(kube))]).to.deep.equal(['concurrent']);
      const { deleted } = await cleanLeftovers(kube, 'current');
      expect(deleted.sort()).to.deep.equal([
        'lease/gauntlet-run-killed',
        'namespace/gauntlet-janitor-killed',
        'namespace/gauntlet-janitor-leaseless',
      ]);
      expect(await exists('current')).to.equal(true);
      expect(await exists('concurrent')).to.equal(true);
      expect(await exists('killed')).to.equal(false);
      expect(await exists('leaseless')).to.equal(false);
    } finally {
      await concurrent.release();
    }
    // Once the concurrent run has ended (its Lease released), its objects are leftovers like any other.
    const { deleted } = await cleanLeftovers(kube, 'current');
    expect(deleted).to.deep.equal(['namespace/gauntlet-janitor-concurrent']);
  });
});
