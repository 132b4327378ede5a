import { expect } from 'chai';
import { conformanceChecks } from '../checks/registry.ts';
import { faultCluster } from '../faults/engine/fault-cluster.ts';
import { newRunId } from '../src/model/run-id.ts';
import { Timeline } from '../src/model/timeline.ts';
import { ScenarioMonitors } from '../suites/chaos/scenario-monitors.ts';
import { CheckClusters } from './helpers/check-clusters.ts';

/**
 * Every conformance check's monitor, as a scenario would run it beside a fault: on a healthy embedded cluster each
 * becomes active and judges its behaviour ok, except those with nothing to watch here (named exactly), and
 * stopping them leaves no namespace behind.
 */
describe('every check monitor on a healthy cluster', function () {
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
});
