import { CoordinationV1Api, DiscoveryV1Api, type V1Lease } from '@kubernetes/client-node';
import { expect } from 'chai';
import { apiReady } from '../../clusters/local/api-readiness.ts';
import { findLeader } from '../../clusters/local/leader.ts';
import type { Kube } from '../../src/kube/client.ts';
import { watchUntil } from '../../src/kube/watch-until.ts';
import { runContext } from '../../src/model/run-context.ts';
import { availability, longestOutageMs, type MonitorOutcome } from '../../src/model/timeline.ts';
import { startApiProber } from '../../src/observe/api-prober.ts';
import type { ApiLoadResult } from '../../src/observe/load/api-load.ts';
import { formatSloTable } from '../../src/observe/load/slo-table.ts';
import { skipBecause } from '../skip.ts';
import { Scenario } from './scenario.ts';
import { formatOutcome, scenarioMonitors } from './scenario-monitors.ts';

/** How long a killed member stays down: the fault's duration, chosen, not a wait for anything. */
const holdMs = 10_000;
const hold = () => new Promise((r) => setTimeout(r, holdMs));

/** Waits for /readyz at a URL; there is nothing to watch while an apiserver is down (100 ms polls). */
async function apiBack(url: string, deadlineMs: number): Promise<number> {
  const { cluster } = runContext();
  const started = Date.now();
  while (Date.now() - started < deadlineMs) {
    if (await apiReady(url, cluster.local!.dir, 1000)) return Date.now();
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the API did not answer /readyz within ${deadlineMs / 1000} s of the revert`);
}

/** The Services' endpoints in these namespaces: "<ns>/<service>" -> sorted "pod uid address ready" lines. */
async function serviceEndpoints(kube: Kube, namespaces: string[]): Promise<Record<string, string[]>> {
  const discovery = kube.config.makeApiClient(DiscoveryV1Api);
  const lists = await Promise.all(
    namespaces.map((namespace) => discovery.listNamespacedEndpointSlice({ namespace })),
  );
  const byService: Record<string, string[]> = {};
  for (const slice of lists.flatMap((l) => l.items)) {
    const service = slice.metadata?.labels?.['kubernetes.io/service-name'];
    if (!service) continue;
    const key = `${slice.metadata?.namespace}/${service}`;
    const lines = byService[key] ?? [];
    byService[key] = lines;
    for (const e of slice.endpoints ?? [])
      lines.push(
        `${e.targetRef?.name ?? '-'} ${e.targetRef?.uid ?? '-'} ${e.addresses.join(',')} ready=${e.conditions?.ready}`,
      );
  }
  for (const lines of Object.values(byService)) lines.sort();
  return byService;
}

function sloReport(result: ApiLoadResult): string {
  return formatSloTable(result).join('\n');
}

/** The API load across a kill: lasts the hold plus the recovery. */
const loadAcrossKill = { durationSeconds: holdMs / 1000 + 10 };

describe('[Chaos][ControlPlane] control-plane termination', () => {
  before(function () {
    if (!runContext().cluster.local)
      skipBecause(this, 'control-plane processes exist only on the embedded cluster');
  });

  it('with 3 apiservers, SIGKILL of one keeps API availability >= 99% through the endpoint', async function () {
    const { cluster, kube } = runContext();
    if (!cluster.local!.config.ha) {
      skipBecause(this, 'the cluster has one apiserver; run with --ha');
    }
    const scenario = await Scenario.open('apiserver-kill-ha', { monitors: scenarioMonitors });
    const samples = scenario.timeline.probeSeries('api');
    const prober = await startApiProber(kube, samples);
    let outcomes: MonitorOutcome[] = [];
    // The API SLOs under load, from both sides (each apiserver's SLI metrics, the client), across the kill.
    const load = scenario.load(loadAcrossKill);
    try {
      await load.started;
      const injection = await scenario.inject('control-plane-kill', {
        kind: 'component',
        id: 'kube-apiserver-0',
        role: 'kube-apiserver',
      });
      await hold();
      await scenario.revert(injection);
      scenario.timeline.mark(
        'kube-apiserver-0 ready again',
        await apiBack(cluster.local!.apiServers[0]!.url, 60_000),
      );
      outcomes = await scenario.converge(60_000);
    } finally {
      await prober.stop();
      await scenario.finish();
    }
    const share = availability(samples);
    expect(samples.length, 'prober samples').to.be.greaterThan(40);
    expect(
      share,
      `API availability across the kill (${samples.filter((s) => !s.ok).length} of ${samples.length} requests failed)`,
    ).to.be.at.least(0.99);
    // Two apiservers left: watches resume on them, so no watched behaviour may break even briefly.
    expect(
      outcomes.filter((o) => o.breaks > 0).map(formatOutcome),
      'conformance monitors broken during the kill',
    ).to.deep.equal([]);
    const slo = await load.result;
    expect(slo.verdict, `API SLOs across the kill:\n${sloReport(slo)}`).to.equal('passed');
  });

  for (const role of ['kube-controller-manager', 'kube-scheduler'] as const) {
    it(`with 2 ${role}s, SIGKILL of the leader moves leadership once its lease runs out (lease duration + one retry)`, async function () {
      const { cluster, kube } = runContext();
      if (!cluster.local!.config.ha) {
        skipBecause(this, 'one member only; run with --ha');
      }
      const leases = kube.config.makeApiClient(CoordinationV1Api);
      const before = await leases.readNamespacedLease({ name: role, namespace: 'kube-system' });
      const leaseSeconds =
        before.spec?.leaseDurationSeconds ?? cluster.local!.config.timings.leaderElectionLeaseSeconds;
      const leader = await findLeader(cluster.local!, role);
      const scenario = await Scenario.open(`${role}-leader-kill`);
      try {
        const killedAt = Date.now();
        await scenario.inject('control-plane-kill', { kind: 'component', id: leader, role });
        const fieldSelector = `metadata.name=${role}`;
        // Floor: a standby takes the lease a lease duration after it last saw it renewed (up to one retry period,
        // 1 s with 1.2 jitter, before the kill), then on its next retry. Bound: that floor + 3 s for a loaded machine.
        const retryMs = 1000 * 1.2;
        const boundMs = leaseSeconds * 1000 + 2 * retryMs + 3000;
        const moved = await watchUntil<V1Lease, V1Lease>(kube, {
          list: () => leases.listNamespacedLease({ namespace: 'kube-system', fieldSelector }),
          path: '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases',
          query: { fieldSelector },
          done: ([lease]) =>
            lease && lease.spec?.holderIdentity !== before.spec?.holderIdentity ? lease : undefined,
          what: `the ${role} lease to move away from ${leader}`,
          timeoutMs: boundMs,
        });
        const movedMs = Date.now() - killedAt;
        scenario.timeline.mark(
          `${role} leadership moved to ${moved.spec?.holderIdentity} after ${movedMs} ms`,
        );
        expect(
          movedMs,
          `leadership move (lease ${leaseSeconds} s, floor ${leaseSeconds * 1000 + retryMs} ms)`,
        ).to.be.at.most(boundMs);
      } finally {
        await scenario.finish();
      }
    });
  }

  it('with 1 apiserver, SIGKILL causes downtime that is measured, and existing endpoints are kept', async function () {
    const { cluster, kube } = runContext();
    if (cluster.local!.config.ha) {
      skipBecause(this, 'the cluster is HA');
    }
    const scenario = await Scenario.open('apiserver-kill-single', { monitors: scenarioMonitors });
    // The kubernetes Service and the monitors' workloads, taken once their fixtures are healthy.
    const namespaces = ['default', ...scenario.monitoredNamespaces];
    const endpointsBefore = await serviceEndpoints(kube, namespaces);
    let endpointsAfter: Record<string, string[]> = {};
    const samples = scenario.timeline.probeSeries('api');
    const prober = await startApiProber(kube, samples);
    const load = scenario.load(loadAcrossKill);
    let back = 0;
    try {
      await load.started;
      const injection = await scenario.inject('control-plane-kill', {
        kind: 'component',
        id: 'kube-apiserver-0',
        role: 'kube-apiserver',
      });
      await hold();
      await scenario.revert(injection);
      back = await apiBack(cluster.local!.endpoint, 60_000);
      scenario.timeline.mark('API answering again', back);
      // The watched Service endpoints, DNS and ReplicaSets are healthy again once the API is back.
      await scenario.converge(60_000);
      await prober.stop();
      // Marked before finish() saves the timeline, and compared before it removes the monitors' fixtures.
      scenario.timeline.mark(`downtime ${longestOutageMs(samples)} ms`);
      endpointsAfter = await serviceEndpoints(kube, namespaces);
    } finally {
      await prober.stop();
      await scenario.finish();
    }
    const downtime = longestOutageMs(samples);
    expect(downtime, `a single apiserver killed for ${holdMs / 1000} s means downtime`).to.be.at.least(
      holdMs - 500,
    );
    expect(
      endpointsAfter,
      'every Service keeps the very same endpoints (pod, address, readiness) across the downtime',
    ).to.deep.equal(endpointsBefore);
    // With the only apiserver gone, the outage is an SLO failure: the client's error budget is spent, and the
    // requests due while it was down waited for it (open model: latency from the due time), so they show it.
    const slo = await load.result;
    const report = sloReport(slo);
    expect(slo.verdict, `API SLOs across the downtime:\n${report}`).to.equal('slo-failed');
    expect(slo.client.availability, report).to.be.below(slo.client.objective);
    expect(slo.failures.join('\n'), report).to.match(/client availability .* longest outage \d+ ms/);
    expect(slo.client.longestOutageMs, `client outage vs prober downtime ${downtime} ms`).to.be.at.least(
      holdMs / 2,
    );
    // Open model: the requests due while the API was down waited for it, so the slowest class's p99 shows the
    // outage (measured here: create p99 12.9 s for a prober downtime of 10.3 s); 0.8 x leaves room for a loaded box.
    const worstP99 = Math.max(...slo.client.operations.map((o) => o.p99Ms));
    expect(worstP99, `client p99 vs the prober's downtime ${downtime} ms`).to.be.at.least(0.8 * downtime);
  });
});
