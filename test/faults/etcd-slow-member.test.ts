import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { componentStates } from '../../clusters/local/supervisor-client.ts';
import { localClusterKey } from '../../faults/engine/fault-cluster.ts';
import { inject, parseSpec } from '../../faults/engine/fault-engine.ts';
import { Ledger } from '../../faults/engine/ledger.ts';
import { faultByKind } from '../../faults/registry.ts';
import { selectComponents } from '../../faults/targets.ts';
import { ExitCode } from '../../src/errors.ts';
import { type Kube, kubeFromFile } from '../../src/kube/client.ts';
import type { LocalClusterSpec } from '../../src/model/local-cluster-spec.ts';
import { gauntlet, isolatedStateDir } from '../helpers/cli.ts';

const cluster = 'etcd-slow';

/**
 * Latencies (ms) of ConfigMap writes started every 250 ms for durationMs, each on its own: arrivals that do
 * not wait for each other, as independent clients do, so each lands in a frozen or a running moment at random.
 */
async function pacedWriteLatencies(kube: Kube, durationMs: number): Promise<number[]> {
  const probeIntervalMs = 250;
  const stamp = Date.now();
  const writes: Promise<number>[] = [];
  for (let i = 0; i * probeIntervalMs < durationMs; i += 1) {
    const name = `probe-${stamp}-${i}`;
    writes.push(
      (async () => {
        const started = Date.now();
        await kube.core.createNamespacedConfigMap({
          namespace: 'default',
          body: { metadata: { name, labels: { probe: 'etcd-slow-member' } } },
        });
        return Date.now() - started;
      })(),
    );
    // Pacing the probes is the point of the measurement, not a wait for something to happen.
    await new Promise((r) => setTimeout(r, probeIntervalMs));
  }
  const latencies = await Promise.all(writes);
  await kube.core.deleteCollectionNamespacedConfigMap({
    namespace: 'default',
    labelSelector: 'probe=etcd-slow-member',
  });
  return latencies;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const etcdStatus = async (spec: LocalClusterSpec) =>
  (await componentStates(spec.dir)).find((s) => s.id === 'etcd-0')?.status;

describe('etcd-slow-member fault: one etcd member frozen in pulses (SIGSTOP/SIGCONT)', () => {
  let state: string;
  let out: string;
  let env: Record<string, string>;
  let spec: LocalClusterSpec;
  let kube: Kube;
  const previousStateDir = process.env.GAUNTLET_STATE_DIR;

  before(async () => {
    state = await isolatedStateDir();
    out = await isolatedStateDir();
    env = { GAUNTLET_STATE_DIR: state };
    process.env.GAUNTLET_STATE_DIR = state;
    const up = await gauntlet(['cluster', 'up', '--name', cluster, '--nodes-per-zone', '1'], env);
    expect(up.exitCode, up.stderr).to.equal(0);
    spec = JSON.parse(
      await readFile(join(state, 'clusters', cluster, 'cluster.json'), 'utf8'),
    ) as LocalClusterSpec;
    kube = kubeFromFile(spec.kubeconfig);
  });

  after(async () => {
    if (previousStateDir === undefined) delete process.env.GAUNTLET_STATE_DIR;
    else process.env.GAUNTLET_STATE_DIR = previousStateDir;
    if (spec) await gauntlet(['cluster', 'down', '--name', cluster], env);
  });

  it('refuses a pause as long as its period, and any role but etcd', async () => {
    const bad = await gauntlet(
      ['fault', 'inject', 'etcd-slow-member', '--role', 'etcd', '--spec', '{"pauseMs":1000,"periodMs":1000}'],
      { ...env, GAUNTLET_QUIET: '1' },
    );
    expect(bad.exitCode).to.equal(ExitCode.Usage);
    expect(bad.stderr).to.contain('spec.pauseMs: pauseMs must be shorter than periodMs');
  });

  it('slows every write while pulsing; revert leaves the member running and writes fast again', async () => {
    const fault = faultByKind('etcd-slow-member');
    const ctx = {
      kube,
      cluster: {
        name: cluster,
        provisioner: 'local' as const,
        kubeconfig: spec.kubeconfig,
        owned: false,
        local: spec,
      },
    };
    const baseline = await pacedWriteLatencies(kube, 2000);
    const ledger = await Ledger.open(join(out, 'in-process'), localClusterKey(spec.uid), 'in-process');
    const [target] = await selectComponents(ctx, { role: 'etcd' });
    const injection = await inject(fault, target!, parseSpec(fault, { pauseMs: 700, periodMs: 1000 }), {
      ctx,
      ledger,
      maxDurationMs: 60_000,
    });
    expect(await etcdStatus(spec)).to.equal('paused');
    const slowed = await pacedWriteLatencies(kube, 4000);
    await injection.revert();
    expect(await etcdStatus(spec)).to.equal('running');
    const after = await pacedWriteLatencies(kube, 2000);
    console.log(
      `      figures: write latency median ${median(baseline)} ms before, ${median(slowed)} ms (max ${Math.max(...slowed)} ms) while etcd-0 froze 700 of every 1000 ms, ${median(after)} ms after`,
    );
    // Frozen 70% of the time, most writes wait for a thaw: hundreds of ms, against tens when healthy.
    expect(median(slowed))
      .to.be.greaterThan(200)
      .and.greaterThan(2 * median(baseline));
    expect(median(after)).to.be.lessThan(200);
    expect(await ledger.closeIfClean()).to.equal(true);
  });

  it('SIGKILLed while the member is frozen: `gauntlet recover` resumes it', async () => {
    const killed = await gauntlet(
      [
        'fault',
        'inject',
        'etcd-slow-member',
        '--role',
        'etcd',
        '--spec',
        '{"pauseMs":5000,"periodMs":6000}',
        '--for',
        '30',
        '--cluster',
        cluster,
        '--out',
        out,
      ],
      { ...env, GAUNTLET_CRASH_AT: 'after-applied-record' },
    );
    expect(killed.exitCode).to.not.equal(0);
    // No harness is left to thaw it: it stays frozen until recover.
    expect(await etcdStatus(spec)).to.equal('paused');
    const recover = await gauntlet(['recover', '--cluster', cluster], env);
    expect(recover.exitCode, recover.stderr).to.equal(0);
    expect(recover.stdout).to.contain('reverted etcd-slow-member on component/etcd-0');
    expect(await etcdStatus(spec)).to.equal('running');
    expect(median(await pacedWriteLatencies(kube, 1000))).to.be.lessThan(200);
  });
});
