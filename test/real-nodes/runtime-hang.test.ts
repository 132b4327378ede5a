import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CoordinationV1Api, type V1Lease, type V1Node } from '@kubernetes/client-node';
import { expect } from 'chai';
import { realNodeContainerdPid } from '../../clusters/local/real-nodes/node-processes.ts';
import { type Kube, kubeFromFile } from '../../src/kube/client.ts';
import { nodeReadyCondition } from '../../src/kube/describe.ts';
import { watchUntil } from '../../src/kube/watch-until.ts';
import type { LocalClusterSpec } from '../../src/model/local-cluster-spec.ts';
import { gauntlet, isolatedStateDir, startGauntlet } from '../helpers/cli.ts';
import { realNodesOrSkip } from '../helpers/real-nodes.ts';
import { pollUntil } from '../helpers/wait.ts';

const runtimeRequestTimeoutSeconds = 15;

function watchNode(kube: Kube, name: string, done: (n: V1Node) => boolean, what: string, timeoutMs: number) {
  const fieldSelector = `metadata.name=${name}`;
  return watchUntil<V1Node, true>(kube, {
    list: () => kube.core.listNode({ fieldSelector }),
    path: '/api/v1/nodes',
    query: { fieldSelector },
    done: (nodes) => (nodes[0] && done(nodes[0])) || undefined,
    what,
    progress: (nodes) => JSON.stringify(nodes[0] ? nodeReadyCondition(nodes[0]) : undefined),
    timeoutMs,
  });
}

/**
 * When the node's Lease was last renewed. The kubelet creates its Lease a moment after the node registers (the node
 * can be Ready first), so this waits for the Lease to exist.
 */
async function leaseRenewedAt(kube: Kube, node: string): Promise<number> {
  const fieldSelector = `metadata.name=${node}`;
  const leases = kube.config.makeApiClient(CoordinationV1Api);
  const lease = await watchUntil<V1Lease, V1Lease>(kube, {
    list: () => leases.listNamespacedLease({ namespace: 'kube-node-lease', fieldSelector }),
    path: '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases',
    query: { fieldSelector },
    done: (found) => found[0],
    what: `the Lease of ${node}`,
    timeoutMs: 30_000,
  });
  return new Date(lease.spec?.renewTime ?? 0).getTime();
}

/** The process state letter of a pid (R, S, T = stopped...). */
async function processState(pid: number): Promise<string> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
}

describe('runtime-hang on a real node: the kubelet sequence of a hung containerd', function () {
  this.timeout(300_000);
  let state: string;
  let env: Record<string, string>;
  let spec: LocalClusterSpec;
  let kube: Kube;

  before(async function () {
    await realNodesOrSkip(this);
    state = await isolatedStateDir();
    env = { GAUNTLET_STATE_DIR: state };
    const config = join(state, 'config.yaml');
    await writeFile(
      config,
      [
        'apiVersion: gauntlet.dev/v1alpha1',
        'kind: GauntletConfig',
        'cluster:',
        '  name: hang',
        '  local:',
        '    realNodes: 1',
        '    nodesPerZone: 1',
        '    timings:',
        `      runtimeRequestTimeoutSeconds: ${runtimeRequestTimeoutSeconds}`,
        '',
      ].join('\n'),
    );
    const up = await gauntlet(['cluster', 'up', '-c', config], env);
    expect(up.exitCode, up.stderr).to.equal(0);
    spec = JSON.parse(
      await readFile(join(state, 'clusters', 'hang', 'cluster.json'), 'utf8'),
    ) as LocalClusterSpec;
    kube = kubeFromFile(spec.kubeconfig);
  });

  after(async () => {
    if (spec) await gauntlet(['cluster', 'down', '--name', 'hang'], env);
  });

  it('stays Ready with its Lease renewed, then NotReady "container runtime is down" within the bound; SIGCONT on revert', async () => {
    const node = spec.realNodes!.nodes[0]!;
    const pid = (await realNodeContainerdPid(spec.uid, node.dir))!;
    expect(pid).to.be.a('number');
    const inject = startGauntlet(
      ['fault', 'inject', 'runtime-hang', '--cluster', 'hang', '--names', node.name, '--for', '150s'],
      env,
    );
    await pollUntil(
      'containerd to be stopped',
      async () => ((await processState(pid)) === 'T' ? true : undefined),
      30_000,
    );
    const stoppedAt = Date.now();
    const leaseAtStop = await leaseRenewedAt(kube, node.name);

    // Lower bound: the kubelet's 30 s runtime sync threshold (less its 5 s check period); upper: two timed-out
    // calls after it, and slack for a loaded 2-core machine.
    const earliestMs = 25_000;
    const latestMs = 30_000 + 2 * runtimeRequestTimeoutSeconds * 1000 + 20_000;
    await watchNode(
      kube,
      node.name,
      (n) => nodeReadyCondition(n)?.status !== 'True',
      'the node to leave Ready',
      latestMs,
    );
    const notReadyMs = Date.now() - stoppedAt;
    const now = await kube.core.readNode({ name: node.name });
    const ready = nodeReadyCondition(now)!;
    expect(ready.status).to.equal('False');
    expect(ready.reason).to.equal('KubeletNotReady');
    expect(ready.message).to.contain('container runtime is down');
    expect(notReadyMs).to.be.within(earliestMs, latestMs);
    // The kubelet itself is alive: its Lease kept being renewed while the runtime hung.
    expect(await leaseRenewedAt(kube, node.name)).to.be.greaterThan(leaseAtStop);

    inject.kill('SIGINT'); // reverts early
    const result = await inject;
    expect(result.exitCode, String(result.stderr)).to.equal(130);
    expect(await processState(pid)).to.not.equal('T');
    const resumedAt = Date.now();
    await watchNode(
      kube,
      node.name,
      (n) => nodeReadyCondition(n)?.status === 'True',
      'the node Ready again',
      60_000,
    );
    process.stderr.write(
      `      runtime-hang on ${node.name}: NotReady ${(notReadyMs / 1000).toFixed(1)} s after SIGSTOP, ` +
        `Ready ${((Date.now() - resumedAt) / 1000).toFixed(1)} s after SIGCONT\n`,
    );
  });
});
