import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { V1Namespace } from '@kubernetes/client-node';
import { expect } from 'chai';
import { ExitCode } from '../src/errors.ts';
import { kubeFromFile } from '../src/kube/client.ts';
import { watchUntil } from '../src/kube/watch-until.ts';
import { runLabel } from '../src/model/labels.ts';
import { gauntlet, isolatedStateDir } from './helpers/cli.ts';
import { createPeerCluster, type PeerCluster } from './helpers/peer-cluster.ts';

interface SummaryTest {
  suite: string;
  title: string;
  state: string;
  reason?: string;
}

/**
 * A cluster the harness did not make (kwokctl with the same binaries, reached through --kubeconfig): kwok nodes
 * without zone labels, no StorageClass, pods that run no containers. The capability probe finds that once, and
 * every check that needs what is missing skips with the reason instead of a false verdict; chaos says why each
 * scenario cannot run, and a run that tested nothing does not exit 0.
 */
describe('a cluster the harness did not make (kwokctl): capabilities decide the skips', function () {
  this.timeout(900_000);
  let peer: PeerCluster | undefined;
  let state: string;

  const run = async (suite: string) => {
    const out = join(state, `out-${suite}`);
    const result = await gauntlet(
      ['run', '--kubeconfig', peer!.kubeconfig, '--suite', suite, '--out', out],
      { GAUNTLET_STATE_DIR: state },
      600_000,
    );
    const [runDir] = (await readdir(out)).filter((d) => !d.endsWith('.jsonl'));
    const summary = JSON.parse(await readFile(join(out, runDir!, 'summary.json'), 'utf8'));
    return { ...result, summary, tests: summary.tests as SummaryTest[] };
  };

  before(async () => {
    state = await isolatedStateDir();
    peer = await createPeerCluster('gauntlet-peer', 3);
  });

  after(async () => {
    await peer?.delete();
  });

  it('conformance passes with stated skips: the probe finds no containers and no zones, no check gives a false verdict', async () => {
    const r = await run('conformance');
    expect(r.exitCode, r.stderr).to.equal(ExitCode.Passed);
    const caps = r.summary.capabilities;
    expect(caps.containers).to.deep.equal({
      available: false,
      reason: 'every schedulable node is a kwok node, and kwok runs no containers',
    });
    expect(caps.zones).to.deep.equal([]);
    expect(caps.ownsNodes).to.equal(false);
    expect(caps).to.not.have.property('provisioner');
    expect(r.stderr).to.contain('containers: no (every schedulable node is a kwok node');

    // The exact verdict of every check: what cannot be judged here skips with why, the rest passes.
    const noContainers =
      'pods on this cluster run no containers (every schedulable node is a kwok node, and kwok runs no containers)';
    const skips = Object.fromEntries(
      r.tests.filter((t) => t.state === 'skipped').map((t) => [t.suite, t.reason]),
    );
    expect(skips).to.deep.equal({
      '[SelfHealing] job-completion': `${noContainers}, and only the embedded cluster has the kwok stage that fails a pod: no pod here can end with exit 0 or 1`,
      '[SelfHealing] node-loss':
        'needs a node it may lose: runs on the embedded cluster (use the node faults elsewhere)',
      '[ServiceDiscovery] dns-service-records': `${noContainers}, so no probe pod can ask its DNS`,
      '[ServiceDiscovery] dns-headless-records': `${noContainers}, so no probe pod can ask its DNS`,
      '[ServiceDiscovery] service-environment': `${noContainers}, so no pod environment can be read`,
      '[Storage] wait-for-first-consumer':
        'no Ready, schedulable node carries a topology.kubernetes.io/zone label, so no volume can be placed by zone',
      '[Storage] zone-conflict': 'the cluster has fewer than 2 zones with schedulable nodes',
      '[Storage] dynamic-provisioning': 'no StorageClass with a provisioner (no StorageClasses)',
    });
    const others = r.tests.filter((t) => t.state !== 'skipped');
    expect(
      others.filter((t) => t.state !== 'passed'),
      'failed or broken',
    ).to.deep.equal([]);
    expect(others.map((t) => t.suite)).to.have.length(15);

    // The probe's own namespace and every check's go (deletion finishes after the run, as pods terminate).
    const kube = kubeFromFile(peer!.kubeconfig);
    await watchUntil<V1Namespace, true>(kube, {
      list: () => kube.core.listNamespace({ labelSelector: runLabel }),
      path: '/api/v1/namespaces',
      query: { labelSelector: runLabel },
      done: (left) => left.length === 0 || undefined,
      what: "the run's namespaces to be gone",
      progress: (left) => left.map((n) => n.metadata?.name).join(', '),
      timeoutMs: 90_000,
    });
  });

  it('chaos says why each scenario cannot run here and exits 5, not 0', async () => {
    const r = await run('chaos');
    expect(r.exitCode, r.stderr).to.equal(ExitCode.NothingTested);
    expect(r.tests.length).to.be.greaterThan(0);
    for (const t of r.tests) {
      expect(t.state, t.title).to.equal('skipped');
      expect(t.reason, t.title).to.be.a('string').and.not.empty;
    }
    expect(r.stderr).to.contain('nothing was tested');
  });
});
