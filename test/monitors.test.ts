import { EventEmitter } from 'node:events';
import type { V1ReplicaSet } from '@kubernetes/client-node';
import { expect } from 'chai';
import { conformanceChecks } from '../checks/registry.ts';
import { startComponent, stopComponent } from '../clusters/local/supervisor-client.ts';
import { faultCluster } from '../faults/engine/fault-cluster.ts';
import { newRunId } from '../src/model/run-id.ts';
import { Timeline, type Transition } from '../src/model/timeline.ts';
import { ScenarioMonitors } from '../suites/chaos/scenario-monitors.ts';
import { CheckClusters } from './helpers/check-clusters.ts';

/**
 * Every conformance check's monitor, as a scenario would run it beside a fault: on a healthy embedded cluster each
 * becomes active and judges its behaviour ok, except those with nothing to watch here (named exactly), and
 * stopping them leaves no namespace behind.
 */
/** A timeline that says when a transition lands, so a test waits on it instead of polling. */
class ObservedTimeline extends Timeline {
  readonly events = new EventEmitter();
  override transition(t: Transition): void {
    super.transition(t);
    this.events.emit('transition', t);
  }
  /** The next transition of `check` with this verdict, or an error naming what was awaited after timeoutMs. */
  next(check: string, ok: boolean, timeoutMs: number): Promise<Transition> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.events.off('transition', seen);
        reject(new Error(`no ${ok ? 'ok' : 'broken'} transition of ${check} within ${timeoutMs} ms`));
      }, timeoutMs);
      const seen = (t: Transition) => {
        if (t.check !== check || t.ok !== ok) return;
        clearTimeout(timer);
        this.events.off('transition', seen);
        resolve(t);
      };
      this.events.on('transition', seen);
    });
  }
}

describe('every check monitor on a healthy cluster, and a rollout bound broken by hand', function () {
  this.timeout(600_000);
  const cluster = 'monitors';
  const observeMs = 15_000;
  let clusters: CheckClusters | undefined;
  const previousStateDir = process.env.GAUNTLET_STATE_DIR;

  before(async () => {
    clusters = await CheckClusters.create();
    process.env.GAUNTLET_STATE_DIR = clusters.stateDir;
    await clusters.up(cluster);
  });

  after(async () => {
    if (previousStateDir === undefined) delete process.env.GAUNTLET_STATE_DIR;
    else process.env.GAUNTLET_STATE_DIR = previousStateDir;
    await clusters?.down(cluster);
  });

  it('each becomes active and ok, none broken; the inapplicable ones are exactly those with nothing to watch', async () => {
    const { ctx } = await faultCluster({ cluster });
    const run = { kube: ctx.kube, cluster: ctx.cluster, runId: newRunId() };
    const timeline = new Timeline('monitor-sweep');
    const monitors = await ScenarioMonitors.start(
      run,
      'monitor-sweep',
      [...conformanceChecks],
      timeline,
      180_000,
    );
    let namespaces: string[] = [];
    try {
      namespaces = monitors.namespaces;
      // Pods on kwok nodes run no containers: no environment to read.
      expect(monitors.inactive.sort()).to.deep.equal(['service-environment']);
      const judged = new Set(timeline.transitions.map((t) => t.check));
      const active = conformanceChecks.map((c) => c.name).filter((n) => !monitors.inactive.includes(n));
      expect([...judged].sort(), 'checks whose monitor gave a verdict').to.deep.equal(active.sort());
      // An observation window, not a synchronisation: nothing happens to the cluster, and no monitor may break.
      await new Promise((resolve) => setTimeout(resolve, observeMs));
      const broken = monitors.outcomes().filter((o) => o.breaks > 0 || !o.okAtEnd);
      expect(
        broken.map((o) => `${o.check}: ${o.firstBreakDetail ?? o.lastDetail}`),
        'monitors that judged a healthy cluster broken',
      ).to.deep.equal([]);
    } finally {
      await monitors.stop();
    }
    const left = await ctx.kube.core.listNamespace();
    const stillThere = left.items
      .filter((n) => namespaces.includes(n.metadata!.name!) && !n.metadata?.deletionTimestamp)
      .map((n) => n.metadata!.name);
    expect(stillThere, 'monitor namespaces not being deleted').to.deep.equal([]);
  });

  it('rolling-update: a ReplicaSet scaled past replicas + maxSurge while the controller manager is down breaks the monitor naming the Deployment; the worst moment is reported when it recovers', async () => {
    const { ctx } = await faultCluster({ cluster });
    const run = { kube: ctx.kube, cluster: ctx.cluster, runId: newRunId() };
    const check = conformanceChecks.find((c) => c.name === 'rolling-update')!;
    const timeline = new ObservedTimeline('surge');
    const monitors = await ScenarioMonitors.start(run, 'surge', [check], timeline, 120_000);
    const clusterDir = ctx.cluster.local!.dir;
    const [namespace] = monitors.namespaces as [string];
    const resize = async (rs: V1ReplicaSet, replicas: number) => {
      const current = await ctx.kube.apps.readNamespacedReplicaSet({ namespace, name: rs.metadata!.name! });
      current.spec!.replicas = replicas;
      await ctx.kube.apps.replaceNamespacedReplicaSet({ namespace, name: rs.metadata!.name!, body: current });
    };
    // Stopped, the Deployment controller cannot scale the ReplicaSet back: the breach is the one made here.
    await stopComponent(clusterDir, 'kube-controller-manager-0', 'SIGTERM', true);
    try {
      const owned = (await ctx.kube.apps.listNamespacedReplicaSet({ namespace })).items.filter(
        (r) => r.metadata?.ownerReferences?.some((o) => o.name === 'rolling') && (r.spec?.replicas ?? 0) > 0,
      );
      expect(owned, 'the Deployment rolling has one sized ReplicaSet').to.have.length(1);
      const rs = owned[0]!;
      const replicas = rs.spec!.replicas!; // the fixture: 4 replicas, maxSurge 1
      const broken = timeline.next(check.name, false, 30_000);
      await resize(rs, replicas + 2);
      expect((await broken).detail).to.match(
        new RegExp(
          `^Deployment ${namespace}/rolling: ${replicas + 2} replicas created across its ReplicaSets; replicas ${replicas} \\+ maxSurge allow ${replicas + 1}`,
        ),
      );
      await resize(rs, replicas + 3);
      const recovered = timeline.next(check.name, true, 30_000);
      await resize(rs, replicas);
      expect((await recovered).detail).to.match(
        new RegExp(
          `within maxSurge \\(worst breach so far: rolling: ${replicas + 3} created at \\d{2}:\\d{2}:\\d{2}\\.\\d{3}\\)$`,
        ),
      );
      const outcome = monitors.outcomes().find((o) => o.check === check.name)!;
      expect({ breaks: outcome.breaks, okAtEnd: outcome.okAtEnd }).to.deep.equal({
        breaks: 1,
        okAtEnd: true,
      });
    } finally {
      await startComponent(clusterDir, 'kube-controller-manager-0');
      await monitors.stop();
    }
  });
});
