import { createHash } from 'node:crypto';
import type { V1ConfigMap } from '@kubernetes/client-node';
import { expect } from 'chai';
import type { CheckContext } from '../../checks/check.ts';
import { closeCheckContext, openCheckContext } from '../../checks/check-context.ts';
import type { Injection } from '../../faults/engine/fault-engine.ts';
import { runContext } from '../../src/model/run-context.ts';
import { skipBecause } from '../skip.ts';
import { Scenario } from './scenario.ts';
import { scenarioMonitors } from './scenario-monitors.ts';

const kept = 20;
/** The largest quota filled in a scenario: beyond it the fill alone outlasts the scenario's 90 s budget. */
const maxQuotaBytes = 512 * 1024 * 1024;

interface FillMeasurements {
  fillMs: number;
  latency?: { p50: number; p99: number; max: number };
  samples: { at: string; latencyMs: number; ok: boolean; error?: string }[];
}

/**
 * "etcd needs care": etcd filled to its quota raises NOSPACE. Writes then fail with the etcd space error while
 * reads keep working; after revert (delete the filler, compact, defrag, disarm) writes succeed and no object that
 * existed before was lost (counted and hashed before and after).
 */
describe('[Chaos][Etcd] etcd out of space', () => {
  let ctx: CheckContext;
  let scenario: Scenario;
  let injection: Injection;
  let fingerprint: string;

  const snapshot = async () => {
    const list = await ctx.kube.core.listNamespacedConfigMap({
      namespace: ctx.namespace,
      labelSelector: 'kept=true',
    });
    const items = (list.items as V1ConfigMap[])
      .map((c) => `${c.metadata?.uid}:${JSON.stringify(c.data)}`)
      .sort();
    return { count: items.length, hash: createHash('sha256').update(items.join('\n')).digest('hex') };
  };
  const write = (name: string) =>
    ctx.kube.core.createNamespacedConfigMap({
      namespace: ctx.namespace,
      body: { metadata: { name, labels: ctx.labels }, data: { v: name } },
    });

  before(async function () {
    const run = runContext();
    const quota = run.cluster.local?.config.etcdQuotaBackendBytes;
    if (!quota) skipBecause(this, 'filling etcd is done on the embedded cluster only');
    if (quota > maxQuotaBytes) {
      skipBecause(
        this,
        `quota ${quota >> 20} MiB; set cluster.local.etcdQuotaBackendBytes <= ${maxQuotaBytes >> 20} MiB`,
      );
    }
    ctx = await openCheckContext(run, 'chaos-etcd');
    for (let i = 0; i < kept; i++) {
      await ctx.kube.core.createNamespacedConfigMap({
        namespace: ctx.namespace,
        body: {
          metadata: { name: `kept-${i}`, labels: { ...ctx.labels, kept: 'true' } },
          data: { i: String(i) },
        },
      });
    }
    fingerprint = (await snapshot()).hash;
    scenario = await Scenario.open('etcd-pressure', { monitors: scenarioMonitors });
  });

  after(async () => {
    if (scenario) await scenario.finish();
    if (ctx) await closeCheckContext(ctx);
  });

  it('filling etcd to its quota makes writes fail with the space error while reads keep working', async () => {
    injection = await scenario.inject(
      'etcd-pressure',
      { kind: 'cluster', name: runContext().cluster.name },
      {
        objectSizeBytes: 1000 * 1024,
        writesPerSecond: 40,
        maxInFlight: 8,
        fillTimeoutSeconds: 60,
      },
    );
    const m = injection.measurements as unknown as FillMeasurements;
    const series = scenario.timeline.probeSeries('etcd-fill-writes');
    for (const s of m.samples)
      series.push({
        at: Date.parse(s.at),
        latencyMs: s.latencyMs,
        ok: s.ok,
        ...(s.error ? { error: s.error } : {}),
      });
    scenario.timeline.mark(
      `filled to NOSPACE in ${m.fillMs} ms; write latency p50 ${m.latency?.p50} ms, p99 ${m.latency?.p99} ms`,
    );
    const refused = await write('after-nospace').then(
      () => undefined,
      (error: { body?: unknown }) => String(error.body ?? error),
    );
    expect(refused, 'a write under NOSPACE').to.match(/database space exceeded/);
    expect((await snapshot()).count, 'reads under NOSPACE').to.equal(kept);
  });

  it('after revert writes succeed and no pre-existing object was lost', async () => {
    const started = Date.now();
    await scenario.revert(injection);
    scenario.timeline.mark(
      `reverted (filler deleted, compacted, defragmented, alarm disarmed) in ${Date.now() - started} ms`,
    );
    await write('after-revert');
    const after = await snapshot();
    expect(after.count).to.equal(kept);
    expect(after.hash, 'the kept ConfigMaps, uid and data').to.equal(fingerprint);
    // Service endpoints, DNS and ReplicaSets, watched throughout, are healthy again.
    await scenario.converge(60_000);
  });
});
