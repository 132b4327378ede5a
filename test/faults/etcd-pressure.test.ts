import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { V1ConfigMap, V1Secret } from '@kubernetes/client-node';
import { expect } from 'chai';
import { componentStates } from '../../clusters/local/supervisor-client.ts';
import { localClusterKey } from '../../faults/engine/fault-cluster.ts';
import { inject, parseSpec } from '../../faults/engine/fault-engine.ts';
import { type IntentEntry, Ledger, readLedger } from '../../faults/engine/ledger.ts';
import type { EtcdPressureMeasurements } from '../../faults/local/etcd-pressure.ts';
import { faultByKind } from '../../faults/registry.ts';
import { selectCluster } from '../../faults/targets.ts';
import { ExitCode } from '../../src/errors.ts';
import { Etcdctl } from '../../src/etcd/etcdctl.ts';
import { apiErrorMessage } from '../../src/kube/api-error.ts';
import { type Kube, kubeFromFile } from '../../src/kube/client.ts';
import { watchUntil } from '../../src/kube/watch-until.ts';
import type { LocalClusterSpec } from '../../src/model/local-cluster-spec.ts';
import { resolveTool } from '../../src/tools/index.ts';
import { gauntlet, isolatedStateDir, startGauntlet } from '../helpers/cli.ts';
import { pollUntil } from '../helpers/wait.ts';

const cluster = 'etcd-pressure';
const quotaBytes = 64 * 1024 * 1024;
/** The objects that must survive the fault: ConfigMaps and Secrets of a namespace made before it. */
const keep = 'keep-me';
const fillerPrefix = 'gauntlet-etcd-pressure-';

/** Count and hash of every kept object's uid and content: any loss or change shows. */
async function fingerprint(kube: Kube): Promise<{ count: number; hash: string }> {
  const [maps, secrets] = await Promise.all([
    kube.core.listNamespacedConfigMap({ namespace: keep }),
    kube.core.listNamespacedSecret({ namespace: keep }),
  ]);
  const lines = [
    ...maps.items.map((o) => `cm/${o.metadata?.name}/${o.metadata?.uid}/${JSON.stringify(o.data)}`),
    ...secrets.items.map((o) => `secret/${o.metadata?.name}/${o.metadata?.uid}/${JSON.stringify(o.data)}`),
  ].sort();
  return { count: lines.length, hash: createHash('sha256').update(lines.join('\n')).digest('hex') };
}

/** ConfigMaps and Secrets of the whole cluster outside filler namespaces. */
async function objectCount(kube: Kube): Promise<number> {
  const outside = (items: { metadata?: { namespace?: string } }[]) =>
    items.filter((o) => !o.metadata?.namespace?.startsWith(fillerPrefix)).length;
  const [maps, secrets] = await Promise.all([
    kube.core.listConfigMapForAllNamespaces(),
    kube.core.listSecretForAllNamespaces(),
  ]);
  return outside(maps.items) + outside(secrets.items);
}

/** One write through the API: undefined if it was accepted, else the server's message. */
async function tryWrite(kube: Kube): Promise<string | undefined> {
  const name = `probe-${Date.now()}-${Math.random().toString(36).slice(2, 6)}`;
  try {
    await kube.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name } } });
    await kube.core.deleteNamespacedConfigMap({ namespace: 'default', name });
    return undefined;
  } catch (error) {
    return apiErrorMessage(error);
  }
}

const fillerNamespaces = async (kube: Kube) =>
  (await kube.core.listNamespace()).items.filter((n) => n.metadata!.name!.startsWith(fillerPrefix));

/** Filler objects anywhere, and filler namespaces not yet being deleted: both must be gone after revert. */
async function fillerLeft(kube: Kube): Promise<string[]> {
  const labelSelector = 'gauntlet.dev/fault=etcd-pressure';
  const [maps, secrets] = await Promise.all([
    kube.core.listConfigMapForAllNamespaces({ labelSelector }),
    kube.core.listSecretForAllNamespaces({ labelSelector }),
  ]);
  const live = (await fillerNamespaces(kube)).filter((n) => !n.metadata?.deletionTimestamp);
  return [
    ...maps.items.map((o) => `configmap ${o.metadata?.namespace}/${o.metadata?.name}`),
    ...secrets.items.map((o) => `secret ${o.metadata?.namespace}/${o.metadata?.name}`),
    ...live.map((n) => `namespace ${n.metadata?.name} (not terminating)`),
  ];
}

const ms = (n: number) => `${(n / 1000).toFixed(1)} s`;

describe('etcd-pressure fault: etcd filled to NOSPACE on the embedded cluster (64 MiB quota)', () => {
  let state: string;
  let out: string;
  let env: Record<string, string>;
  let spec: LocalClusterSpec;
  let kube: Kube;
  let etcd: Etcdctl;
  let kept: { count: number; hash: string };
  let totalBefore: number;
  const previousStateDir = process.env.GAUNTLET_STATE_DIR;

  before(async () => {
    state = await isolatedStateDir();
    out = await isolatedStateDir();
    env = { GAUNTLET_STATE_DIR: state };
    // The in-process injection below journals under the same state dir as the CLI's `recover`.
    process.env.GAUNTLET_STATE_DIR = state;
    const config = join(state, 'config.yaml');
    await writeFile(
      config,
      `apiVersion: gauntlet.dev/v1alpha1\nkind: GauntletConfig\ncluster:\n  local:\n    etcdQuotaBackendBytes: ${quotaBytes}\n`,
    );
    const up = await gauntlet(
      ['cluster', 'up', '--name', cluster, '--nodes-per-zone', '1', '-c', config],
      env,
    );
    expect(up.exitCode, up.stderr).to.equal(0);
    spec = JSON.parse(
      await readFile(join(state, 'clusters', cluster, 'cluster.json'), 'utf8'),
    ) as LocalClusterSpec;
    kube = kubeFromFile(spec.kubeconfig);
    etcd = new Etcdctl((await resolveTool('etcdctl')).path, {
      endpoints: spec.etcdMembers.map((m) => m.clientUrl),
      ...spec.etcdClient,
    });
    await kube.core.createNamespace({ body: { metadata: { name: keep } } });
    await Promise.all(
      Array.from({ length: 30 }, (_, n) =>
        kube.core.createNamespacedConfigMap({
          namespace: keep,
          body: { metadata: { name: `cm-${n}` }, data: { n: String(n), text: 'k'.repeat(100 * n) } },
        }),
      ),
    );
    await Promise.all(
      Array.from({ length: 10 }, (_, n) =>
        kube.core.createNamespacedSecret({
          namespace: keep,
          body: { metadata: { name: `secret-${n}` }, stringData: { n: String(n) } },
        }),
      ),
    );
    kept = await fingerprint(kube);
    totalBefore = await objectCount(kube);
  });

  after(async () => {
    if (previousStateDir === undefined) delete process.env.GAUNTLET_STATE_DIR;
    else process.env.GAUNTLET_STATE_DIR = previousStateDir;
    if (spec) await gauntlet(['cluster', 'down', '--name', cluster], env);
  });

  /** What every revert must leave: writes accepted, no alarm, no filler, nothing lost, nothing down. */
  async function expectHealthy() {
    expect(await tryWrite(kube), 'a write after revert').to.equal(undefined);
    expect(await etcd.alarms(), 'etcd alarms').to.deep.equal([]);
    // The namespace controller removes the emptied namespace later; revert does not wait for it.
    expect(await fillerLeft(kube), 'filler left').to.deep.equal([]);
    expect(await fingerprint(kube)).to.deep.equal(kept);
    expect(await objectCount(kube)).to.equal(totalBefore);
    // A leader-elected component whose renew deadline ran out just after the revert restarted it may exit once
    // more (seen on a loaded 2-core machine); the supervisor brings it back after its backoff (<= 10 s). Nothing
    // may stay down: polled every 250 ms (the supervisor has no watch API), for 20 s at most.
    let down: string[] = [];
    await pollUntil(
      'every component running again after the revert',
      async () => {
        down = (await componentStates(spec.dir))
          .filter((c) => c.status !== 'running')
          .map((c) => `${c.id} ${c.status}`);
        return down.length === 0 || undefined;
      },
      20_000,
      250,
    ).catch(() => undefined);
    expect(down).to.deep.equal([]);
  }

  const injectCli = (args: string[], extraEnv: Record<string, string> = {}) =>
    gauntlet(['fault', 'inject', 'etcd-pressure', ...args, '--cluster', cluster, '--out', out], {
      ...env,
      ...extraEnv,
    });

  it('a dry run prints the plan and changes nothing', async () => {
    const pids = (await componentStates(spec.dir)).map((s) => [s.id, s.pid]);
    const namespaces = (await kube.core.listNamespace()).items.map((n) => n.metadata?.uid).sort();
    const dry = await injectCli(['--dry-run', '--spec', '{"objectSizeBytes":262144,"writesPerSecond":50}']);
    expect(dry.exitCode, dry.stderr).to.equal(0);
    expect(dry.stdout)
      .to.contain(
        `create 256 KiB ConfigMaps in a new namespace gauntlet-etcd-pressure-* of ${cluster} at 50/s`,
      )
      .and.contain('until etcd raises NOSPACE')
      .and.contain('compact, defragment every etcd member, alarm disarm');
    expect((await kube.core.listNamespace()).items.map((n) => n.metadata?.uid).sort()).to.deep.equal(
      namespaces,
    );
    expect((await componentStates(spec.dir)).map((s) => [s.id, s.pid])).to.deep.equal(pids);
    expect(await readdir(out), 'run directories (a dry run opens no ledger)').to.deep.equal([]);
    expect(await etcd.alarms()).to.deep.equal([]);
  });

  it('a spec with a bad field is refused before anything is injected', async () => {
    const bad = await injectCli(['--spec', '{"targetFraction":1.5,"objectSize":10}']);
    expect(bad.exitCode).to.equal(ExitCode.Usage);
    expect(bad.stderr).to.contain('spec.objectSize: unknown field');
    expect(await fillerLeft(kube)).to.deep.equal([]);
  });

  it('fills to NOSPACE: writes fail with the space error, reads keep working; revert takes writes again, nothing lost', async () => {
    const fault = faultByKind('etcd-pressure');
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
    const ledger = await Ledger.open(join(out, 'in-process'), localClusterKey(spec.uid), 'in-process');
    const [target] = selectCluster(ctx);
    const injection = await inject(fault, target!, parseSpec(fault, {}), {
      ctx,
      ledger,
      maxDurationMs: 300_000,
    });
    const m = injection.measurements as EtcdPressureMeasurements;
    expect(m.stoppedBy).to.equal('nospace');
    expect(m.alarmRaised).to.equal(true);
    expect(m.samples.filter((s) => s.ok).length)
      .to.equal(m.objectsWritten)
      .and.be.greaterThan(50);
    expect(m.samples.find((s) => !s.ok)?.error).to.contain('etcdserver: mvcc: database space exceeded');
    expect(JSON.parse(await readFile(injection.measurementsFile!, 'utf8')).objectsWritten).to.equal(
      m.objectsWritten,
    );

    // The cluster is read-only now: writes fail with etcd's words, reads (of every kept object) still answer.
    expect(await tryWrite(kube)).to.contain('etcdserver: mvcc: database space exceeded');
    expect(await fingerprint(kube)).to.deep.equal(kept);
    expect((await kube.core.listNode()).items).to.have.length(3);

    // Writes are probed while revert runs: the time until one is accepted is the recovery figure.
    const revertStarted = Date.now();
    let writableAfterMs: number | undefined;
    const reverting = injection.revert().finally(() => {
      writableAfterMs ??= Date.now() - revertStarted;
    });
    // Polled: "writable again" has no event. Every 250 ms, bounded by the revert itself.
    const probeIntervalMs = 250;
    let settled = false;
    void reverting.finally(() => {
      settled = true;
    });
    while (!settled && writableAfterMs === undefined) {
      if ((await tryWrite(kube)) === undefined) writableAfterMs = Date.now() - revertStarted;
      else await new Promise((r) => setTimeout(r, probeIntervalMs));
    }
    await reverting;
    const revertMs = Date.now() - revertStarted;
    await expectHealthy();
    expect(await ledger.closeIfClean(), 'ledger has nothing pending').to.equal(true);

    // Revert works from the journaled undo alone, and again: idempotent.
    const intent = (await readLedger(ledger.file)).find((e): e is IntentEntry => e.type === 'intent')!;
    await fault.revert(ctx, intent.undo);
    await expectHealthy();

    const l = m.latency!;
    console.log(
      `      figures: filled ${(m.bytesWritten / 2 ** 20).toFixed(0)} MiB in ${m.objectsWritten} objects in ${ms(m.fillMs)}; ` +
        `write latency while filling p50 ${l.p50} ms, p90 ${l.p90} ms, p99 ${l.p99} ms, max ${l.max} ms; ` +
        `writes accepted ${ms(writableAfterMs!)} into revert; revert done in ${ms(revertMs)}`,
    );
  });

  it('a fill that misses its target in time is reverted at once, and the command says why', async () => {
    const slow = await injectCli(['--spec', '{"writesPerSecond":2,"fillTimeoutSeconds":2}', '--for', '0']);
    expect(slow.exitCode, slow.stderr).to.equal(ExitCode.Infrastructure);
    expect(slow.stderr).to.contain('target not reached within 2 s');
    const recover = await gauntlet(['recover', '--cluster', cluster], env);
    expect(recover.stdout).to.contain('nothing to recover');
    await expectHealthy();
  });

  it('Ctrl-C mid-fill of Secrets stops the fill at once and reverts: exit 130, no Secret left, nothing lost', async () => {
    const harness = startGauntlet(
      [
        'fault',
        'inject',
        'etcd-pressure',
        '--spec',
        '{"objectKind":"secret"}',
        '--for',
        '30',
        '--cluster',
        cluster,
        '--out',
        out,
      ],
      { ...env, GAUNTLET_QUIET: '0' },
    );
    const selector = 'gauntlet.dev/fault=etcd-pressure';
    await watchUntil<V1Secret, true>(kube, {
      list: () => kube.core.listSecretForAllNamespaces({ labelSelector: selector }),
      path: '/api/v1/secrets',
      query: { labelSelector: selector },
      done: (secrets) => (secrets.length >= 10 ? true : undefined),
      what: '10 filler Secrets',
      progress: (secrets) => `${secrets.length} so far`,
      timeoutMs: 60_000,
    });
    const fillerMaps = await kube.core.listConfigMapForAllNamespaces({ labelSelector: selector });
    expect(fillerMaps.items, 'objectKind secret fills with Secrets only').to.deep.equal([]);
    const interruptedAt = Date.now();
    harness.kill('SIGINT');
    const result = await harness;
    const stoppedMs = Date.now() - interruptedAt;
    expect(result.exitCode, String(result.stderr)).to.equal(130);
    expect(String(result.stderr))
      .to.contain('etcd-pressure on cluster/')
      .and.contain('not applied (interrupted); what it had changed is reverted');
    process.stderr.write(`      Ctrl-C -> filler deleted and exit: ${stoppedMs} ms\n`);
    await expectHealthy();
  });

  it('SIGKILLed mid-fill: `gauntlet recover` leaves the cluster writable with nothing lost', async () => {
    const harness = startGauntlet(
      ['fault', 'inject', 'etcd-pressure', '--for', '30', '--cluster', cluster, '--out', out],
      env,
    );
    // Killed once 20 filler objects exist: well into the fill, before NOSPACE (about 110 fit).
    await watchUntil<V1ConfigMap, true>(kube, {
      list: () =>
        kube.core.listConfigMapForAllNamespaces({ labelSelector: 'gauntlet.dev/fault=etcd-pressure' }),
      path: '/api/v1/configmaps',
      query: { labelSelector: 'gauntlet.dev/fault=etcd-pressure' },
      done: (maps) => (maps.length >= 20 ? true : undefined),
      what: '20 filler ConfigMaps',
      progress: (maps) => `${maps.length} so far`,
      timeoutMs: 60_000,
    });
    harness.kill('SIGKILL');
    await harness;
    expect((await fillerLeft(kube)).length, 'filler left by the killed harness').to.be.greaterThan(20);
    const recover = await gauntlet(['recover', '--cluster', cluster], env);
    expect(recover.exitCode, recover.stderr).to.equal(0);
    expect(recover.stdout).to.contain(`reverted etcd-pressure on cluster/${cluster}`);
    await expectHealthy();
  });

  for (const point of ['after-intent', 'after-apply']) {
    it(`SIGKILLed at ${point}: \`gauntlet recover\` leaves the cluster writable with nothing lost`, async () => {
      const killed = await injectCli(['--for', '30'], { GAUNTLET_CRASH_AT: point });
      expect(
        killed.exitCode,
        `the harness should have been killed at ${point}\n${killed.stderr}`,
      ).to.not.equal(0);
      if (point === 'after-apply') {
        expect(await tryWrite(kube)).to.contain('database space exceeded');
        // Its Lease renewals refused, the controller manager exits after its renew deadline (10 s): recover
        // must have it running again. The supervisor has no watch API: polled every 250 ms, for 40 s at most.
        const killedAt = new Date().toISOString();
        await pollUntil(
          'kube-controller-manager-0 to exit under NOSPACE',
          async () =>
            (await componentStates(spec.dir)).some(
              (c) => c.id === 'kube-controller-manager-0' && (c.lastExit?.at ?? '') > killedAt,
            ) || undefined,
          40_000,
          250,
        );
      }
      const recover = await gauntlet(['recover', '--cluster', cluster], env);
      expect(recover.exitCode, recover.stderr).to.equal(0);
      expect(recover.stdout).to.contain(`reverted etcd-pressure on cluster/${cluster}`);
      await expectHealthy();
      const again = await gauntlet(['recover', '--cluster', cluster], env);
      expect(again.stdout).to.contain('nothing to recover');
    });
  }
});
