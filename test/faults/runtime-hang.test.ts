import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CoordinationV1Api, type V1Lease, type V1Node, type V1Pod } from '@kubernetes/client-node';
import { expect } from 'chai';
import { kwokComponentId } from '../../clusters/local/components/kwok-zones.ts';
import { startComponent, stopComponent } from '../../clusters/local/supervisor-client.ts';
import { ExitCode } from '../../src/errors.ts';
import { type Kube, kubeFromFile } from '../../src/kube/client.ts';
import { watchUntil } from '../../src/kube/watch-until.ts';
import type { LocalClusterSpec } from '../../src/model/local-cluster-spec.ts';
import { gauntlet, isolatedStateDir, startGauntlet } from '../helpers/cli.ts';
import { crashMatrix, revertedBy } from '../helpers/crash-matrix.ts';

const marker = 'gauntlet.dev/runtime';
const namespace = 'runtime-hang';
const plegWording = /^PLEG is not healthy: pleg was last seen active \d+m\d+s ago; threshold is 3m0s$/;

const ready = (node: V1Node) => node.status?.conditions?.find((c) => c.type === 'Ready');
const podReady = (pod: V1Pod) => pod.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
const notReadyTaints = (node: V1Node) =>
  (node.spec?.taints ?? []).filter((t) => t.key.startsWith('node.kubernetes.io/not-ready'));
const containerCreating = (pod: V1Pod) =>
  pod.status?.phase === 'Pending' &&
  (pod.status.containerStatuses ?? []).length === (pod.spec?.containers ?? []).length &&
  (pod.status.containerStatuses ?? []).every((s) => s.state?.waiting?.reason === 'ContainerCreating');

/** Waits, by watching, until the named node satisfies test; returns it. */
function untilNode(
  kube: Kube,
  name: string,
  what: string,
  test: (node: V1Node) => boolean,
  timeoutMs: number,
) {
  const fieldSelector = `metadata.name=${name}`;
  return watchUntil<V1Node, V1Node>(kube, {
    list: () => kube.core.listNode({ fieldSelector }),
    path: '/api/v1/nodes',
    query: { fieldSelector },
    done: ([node]) => (node && test(node) ? node : undefined),
    what: `node ${name} ${what}`,
    progress: ([node]) => (node ? `Ready=${ready(node)?.status} (${ready(node)?.reason})` : 'no such node'),
    timeoutMs,
  });
}

/** Waits, by watching, until the named pod (undefined once deleted) satisfies test. */
function untilPod(
  kube: Kube,
  name: string,
  what: string,
  test: (pod?: V1Pod) => boolean,
  timeoutMs = 20_000,
) {
  const fieldSelector = `metadata.name=${name}`;
  return watchUntil<V1Pod, { pod?: V1Pod }>(kube, {
    list: () => kube.core.listNamespacedPod({ namespace, fieldSelector }),
    path: `/api/v1/namespaces/${namespace}/pods`,
    query: { fieldSelector },
    done: ([pod]) => (test(pod) ? { pod } : undefined),
    what: `pod ${namespace}/${name} ${what}`,
    progress: ([pod]) => (pod ? `phase ${pod.status?.phase}` : 'deleted'),
    timeoutMs,
  });
}

/** Waits until kwok renews the node's Lease `count` more times: proof that the node's "kubelet" is alive. */
function leaseRenewals(kube: Kube, node: string, count: number, timeoutMs: number): Promise<string[]> {
  const leases = kube.config.makeApiClient(CoordinationV1Api);
  const fieldSelector = `metadata.name=${node}`;
  let first: string | undefined;
  const renewals: string[] = [];
  return watchUntil<V1Lease, string[]>(kube, {
    list: () => leases.listNamespacedLease({ namespace: 'kube-node-lease', fieldSelector }),
    path: '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases',
    query: { fieldSelector },
    done: ([lease]) => {
      const renewTime = lease?.spec?.renewTime && new Date(lease.spec.renewTime).toISOString();
      if (!renewTime) return undefined;
      first ??= renewTime;
      if (renewTime !== first && !renewals.includes(renewTime)) renewals.push(renewTime);
      return renewals.length >= count ? renewals : undefined;
    },
    what: `${count} renewals of the Lease of node ${node}`,
    progress: () => `${renewals.length} seen`,
    timeoutMs,
  });
}

/** A pod bound to the node by name (no scheduler), tolerating not-ready so eviction never interferes. */
async function createBoundPod(kube: Kube, name: string, node: string): Promise<void> {
  await kube.core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name },
      spec: {
        nodeName: node,
        containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10' }],
        tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' }],
      },
    },
  });
}

const report = (line: string) => process.stdout.write(`      ${line}\n`);

/**
 * The container-runtime hang on a real embedded cluster (1 node per zone): kwok's weight-100 stages, selected by
 * the fault's markers, against the real node lifecycle controller. Zone a serves the dry run, zone c the crash
 * and recover (and the timings), zone b the stuck pods and the normal revert.
 */
describe('runtime-hang fault: NotReady with the kubelet wording, Lease renewed, pods stuck, always reverted', () => {
  const cluster = 'hang';
  let env: Record<string, string>;
  let out: string;
  let spec: LocalClusterSpec;
  let kube: Kube;
  let timings: LocalClusterSpec['config']['timings'];
  const nodeOf = (zone: number) => `kwok-${spec.config.zones[zone]}-0`.toLowerCase();

  before(async () => {
    const state = await isolatedStateDir();
    out = await isolatedStateDir();
    env = { GAUNTLET_STATE_DIR: state };
    const up = await gauntlet(['cluster', 'up', '--name', cluster, '--nodes-per-zone', '1'], env);
    expect(up.exitCode, up.stderr).to.equal(0);
    spec = JSON.parse(
      await readFile(join(state, 'clusters', cluster, 'cluster.json'), 'utf8'),
    ) as LocalClusterSpec;
    timings = spec.config.timings;
    kube = kubeFromFile(spec.kubeconfig);
    await kube.core.createNamespace({ body: { metadata: { name: namespace } } });
  });

  after(async () => {
    if (spec) await gauntlet(['cluster', 'down', '--name', cluster], env);
  });

  const inject = (args: string[]) => [
    'fault',
    'inject',
    'runtime-hang',
    ...args,
    '--cluster',
    cluster,
    '--out',
    out,
  ];

  /** What a fault could change: markers, readiness and taints of nodes; markers and phases of pods. */
  async function snapshot() {
    const nodes = (await kube.core.listNode()).items.map((n) => ({
      name: n.metadata?.name,
      annotations: n.metadata?.annotations,
      ready: [ready(n)?.status, ready(n)?.reason, ready(n)?.message],
      taints: n.spec?.taints,
    }));
    const pods = (await kube.core.listPodForAllNamespaces()).items.map((p) => ({
      name: `${p.metadata?.namespace}/${p.metadata?.name}`,
      annotations: p.metadata?.annotations,
      phase: p.status?.phase,
      deleting: !!p.metadata?.deletionTimestamp,
    }));
    return { nodes, pods };
  }

  it('a dry run prints the exact change and touches nothing; a bad spec is refused', async () => {
    const before = await snapshot();
    const dry = await gauntlet(inject(['--names', nodeOf(0), '--dry-run']), env);
    expect(dry.exitCode, dry.stderr).to.equal(0);
    expect(dry.stdout).to.contain(
      `annotate node/${nodeOf(0)} ${marker}=pleg-unhealthy (kwok reports Ready=False, KubeletNotReady: "PLEG is not healthy`,
    );
    const bad = await gauntlet(inject(['--names', nodeOf(0), '--spec', '{"symptom":"slow"}']), env);
    expect(bad.exitCode).to.equal(ExitCode.Usage);
    expect(bad.stderr).to.contain('spec.symptom');
    expect(await snapshot()).to.deep.equal(before);
  });

  it('SIGKILLed after apply: the node reports NotReady with the PLEG wording at once, keeps its Lease; `gauntlet recover` restores it', async () => {
    const node = nodeOf(2);
    await createBoundPod(kube, 'steady', node);
    await untilPod(
      kube,
      'steady',
      'Running and Ready',
      (p) => !!p && p.status?.phase === 'Running' && podReady(p),
    );

    // One watch sees both moments, so the interval is measured by one observer.
    let markedAt = 0;
    const notReady = untilNode(
      kube,
      node,
      'NotReady (KubeletNotReady)',
      (n) => {
        if (!markedAt && n.metadata?.annotations?.[marker]) markedAt = Date.now();
        return ready(n)?.status === 'False' && ready(n)?.reason === 'KubeletNotReady';
      },
      60_000,
    );
    const killed = await gauntlet(inject(['--names', node, '--for', '60']), {
      ...env,
      GAUNTLET_CRASH_AT: 'after-applied-record',
    });
    expect(killed.exitCode, `the harness should have been SIGKILLed\n${killed.stderr}`).to.not.equal(0);
    const hung = await notReady;
    const notReadyMs = Date.now() - markedAt;
    report(`inject -> NotReady: ${notReadyMs} ms`);
    expect(ready(hung)?.message).to.match(plegWording);
    // The kubelet itself says NotReady: it must not wait for the controller's grace period (that path says Unknown).
    expect(notReadyMs).to.be.below(timings.nodeMonitorGracePeriodSeconds * 1000);

    // The kubelet is alive: its Lease keeps being renewed (every leaseDuration/4) while it reports NotReady...
    await leaseRenewals(kube, node, 2, timings.nodeLeaseDurationSeconds * 1000);
    const still = await kube.core.readNode({ name: node });
    expect([ready(still)?.status, ready(still)?.reason]).to.deep.equal(['False', 'KubeletNotReady']);
    // ...so the node lifecycle controller never declares it Unknown, and does not mark its pods NotReady either:
    // they stay Ready endpoints until the not-ready taint evicts them, as on a real cluster.
    const steady = await kube.core.readNamespacedPod({ name: 'steady', namespace });
    expect(steady.metadata?.annotations?.[marker]).to.equal('hung');
    expect([steady.status?.phase, podReady(steady)]).to.deep.equal(['Running', true]);

    const recoverStart = Date.now();
    const recover = await gauntlet(['recover', '--cluster', cluster], env);
    expect(recover.exitCode, recover.stderr).to.equal(0);
    expect(recover.stdout).to.contain(`reverted runtime-hang on node/${node}`);
    await untilNode(kube, node, 'Ready', (n) => ready(n)?.status === 'True', 30_000);
    report(`recover (CLI start) -> Ready: ${Date.now() - recoverStart} ms`);
    await untilNode(kube, node, 'without not-ready taints', (n) => notReadyTaints(n).length === 0, 30_000);
    const after = await kube.core.readNamespacedPod({ name: 'steady', namespace });
    expect(after.metadata?.annotations?.[marker]).to.equal(undefined);
    expect([after.status?.phase, podReady(after)]).to.deep.equal(['Running', true]);
    const again = await gauntlet(['recover', '--cluster', cluster], env);
    expect(again.stdout).to.contain('nothing to recover');
  });

  it('a deleted pod stays Terminating and a pod not yet started stays ContainerCreating; revert lets both proceed', async () => {
    const node = nodeOf(1);
    const kwok = kwokComponentId(1);
    await createBoundPod(kube, 'doomed', node);
    await untilPod(kube, 'doomed', 'Running', (p) => p?.status?.phase === 'Running');

    // A pod the kubelet has accepted but not started when the runtime hangs: with the zone's kwok (its kubelet)
    // stopped, the pod is bound yet untouched, and the fault marks it before kwok sees it again.
    await stopComponent(spec.dir, kwok, 'SIGTERM', true);
    let harness: ReturnType<typeof startGauntlet> | undefined;
    try {
      await createBoundPod(kube, 'starting', node);
      const started = startGauntlet(
        inject(['--names', node, '--spec', '{"symptom":"runtime-down"}', '--for', '120']),
        env,
      );
      harness = started;
      await Promise.race([
        untilPod(kube, 'starting', 'marked hung', (p) => p?.metadata?.annotations?.[marker] === 'hung'),
        started.then((r) => {
          throw new Error(`the harness exited (${r.exitCode}) before applying the fault: ${r.stderr}`);
        }),
      ]);
    } finally {
      await startComponent(spec.dir, kwok);
    }
    // The restarted kwok takes the node's Lease over once the old holder's expires, then plays the stages.
    const leaseTakeover = (timings.nodeLeaseDurationSeconds + timings.nodeMonitorGracePeriodSeconds) * 1000;
    const hung = await untilNode(
      kube,
      node,
      'NotReady (container runtime is down)',
      (n) => ready(n)?.reason === 'KubeletNotReady',
      leaseTakeover,
    );
    expect([ready(hung)?.status, ready(hung)?.message]).to.deep.equal(['False', 'container runtime is down']);
    await untilPod(kube, 'starting', 'ContainerCreating', (p) => !!p && containerCreating(p), leaseTakeover);

    await kube.core.deleteNamespacedPod({ name: 'doomed', namespace });
    await untilPod(kube, 'doomed', 'Terminating', (p) => !!p?.metadata?.deletionTimestamp);
    // kwok is alive and acting for this node (two Lease renewals) and still neither pod moves.
    await leaseRenewals(kube, node, 2, timings.nodeLeaseDurationSeconds * 1000);
    const doomed = await kube.core.readNamespacedPod({ name: 'doomed', namespace });
    expect(doomed.metadata?.deletionTimestamp, 'doomed is still there, Terminating').to.not.equal(undefined);
    expect(containerCreating(await kube.core.readNamespacedPod({ name: 'starting', namespace }))).to.equal(
      true,
    );

    // Ctrl-C: the harness reverts before exiting.
    const revertStart = Date.now();
    harness!.kill('SIGINT');
    const readyAgain = untilNode(kube, node, 'Ready', (n) => ready(n)?.status === 'True', 30_000).then(() =>
      report(`revert (SIGINT) -> Ready: ${Date.now() - revertStart} ms`),
    );
    const result = await harness;
    expect(result.exitCode, String(result.stderr)).to.equal(ExitCode.Interrupted);
    expect(String(result.stderr)).to.contain(`reverted runtime-hang on node/${node}`);
    await readyAgain;
    await untilPod(kube, 'doomed', 'gone', (p) => !p);
    await untilPod(
      kube,
      'starting',
      'Running and Ready',
      (p) => !!p && p.status?.phase === 'Running' && podReady(p),
    );
    await untilNode(kube, node, 'without not-ready taints', (n) => notReadyTaints(n).length === 0, 30_000);
  });

  // SIGKILLed at each of the engine's crash points: the node marked exactly while the fault is in effect, and
  // `gauntlet recover` reverts it once wherever an intent is pending (an intent whose apply never ran, a hold, a
  // revert that ran but was not recorded), nothing otherwise; the node Ready and unmarked after.
  for (const { point, inEffect, pending } of crashMatrix) {
    it(`SIGKILLed at ${point}: recover reverts ${pending ? 'it once' : 'nothing'}, the node Ready and no marker behind`, async () => {
      const node = nodeOf(0);
      const killed = await gauntlet(inject(['--names', node, '--for', '0']), {
        ...env,
        GAUNTLET_CRASH_AT: point,
      });
      expect(killed.signal, `the harness should have been SIGKILLed at ${point}\n${killed.stderr}`).to.equal(
        'SIGKILL',
      );
      const atDeath = await kube.core.readNode({ name: node });
      expect(
        atDeath.metadata?.annotations?.[marker] !== undefined,
        `the node marked when the harness died at ${point}`,
      ).to.equal(inEffect);
      const recover = await gauntlet(['recover', '--cluster', cluster], env);
      expect(recover.exitCode, recover.stderr).to.equal(0);
      expect(revertedBy(recover.stdout)).to.deep.equal(pending ? [`runtime-hang on node/${node}`] : []);
      await untilNode(
        kube,
        node,
        'Ready and unmarked',
        (n) => ready(n)?.status === 'True' && !n.metadata?.annotations?.[marker],
        30_000,
      );
      const marked = (
        await kube.core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${node}` })
      ).items
        .filter((p) => p.metadata?.annotations?.[marker])
        .map((p) => p.metadata?.name);
      expect(marked).to.deep.equal([]);
    });
  }

  it('leaves no marker behind and every node Ready', async () => {
    const { nodes, pods } = await snapshot();
    expect(nodes.filter((n) => n.annotations?.[marker]).map((n) => n.name)).to.deep.equal([]);
    expect(pods.filter((p) => p.annotations?.[marker]).map((p) => p.name)).to.deep.equal([]);
    expect(nodes.filter((n) => n.ready[0] !== 'True').map((n) => n.name)).to.deep.equal([]);
  });
});
