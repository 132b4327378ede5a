import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { apiReady } from '../clusters/local/api-readiness.ts';
import type { ComponentState } from '../clusters/local/supervisor-state.ts';
import { ExitCode } from '../src/errors.ts';
import { kubeFromFile } from '../src/kube/client.ts';
import type { LocalClusterSpec } from '../src/model/local-cluster-spec.ts';
import { findClusterProcesses } from '../src/process/cluster-processes.ts';
import { gauntlet, isolatedStateDir, startGauntlet } from './helpers/cli.ts';
import { crashMatrix, revertedBy } from './helpers/crash-matrix.ts';
import { pollUntil } from './helpers/wait.ts';

/** The supervisor's view of every component: what a fault changes and a revert must restore. */
async function componentStates(spec: LocalClusterSpec): Promise<ComponentState[]> {
  const { controlPort } = JSON.parse(await readFile(join(spec.dir, 'supervisor.json'), 'utf8')) as {
    controlPort: number;
  };
  return (await (await fetch(`http://127.0.0.1:${controlPort}/status`)).json()) as ComponentState[];
}

/** Nodes whose Ready condition is not True, or that carry a node-lifecycle taint, as the API reports them. */
async function nodesNotReady(spec: LocalClusterSpec): Promise<string[]> {
  const nodes = (await kubeFromFile(spec.kubeconfig).core.listNode()).items;
  return nodes
    .filter(
      (n) =>
        n.status?.conditions?.find((c) => c.type === 'Ready')?.status !== 'True' ||
        n.spec?.taints?.some((t) => t.key.startsWith('node.kubernetes.io/')),
    )
    .map((n) => n.metadata!.name!);
}

/** Whether a kube-apiserver process of the cluster lives, read from /proc (not from the supervisor's word). */
async function apiserverProcessAlive(spec: LocalClusterSpec): Promise<boolean> {
  return (await findClusterProcesses(spec.uid)).some((p) =>
    /(^|\/)kube-apiserver$/.test(p.command.split(' ')[0]!),
  );
}

const running = (states: ComponentState[]) =>
  states
    .filter((s) => s.status === 'running')
    .map((s) => s.id)
    .sort();

/** Watchdog processes whose ledger lies under dir (they exit once their intent's revert is recorded). */
async function watchdogsOf(dir: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    const args = cmdline.split('\0');
    if (args.includes('watchdog') && args.some((a) => a.startsWith(`--ledger=${dir}`)))
      found.push(Number(entry));
  }
  return found;
}

describe('fault engine: ledger, dry run, crash recovery', () => {
  let state: string;
  let out: string;
  let env: Record<string, string>;
  let spec: LocalClusterSpec;
  let allComponents: string[];

  before(async () => {
    state = await isolatedStateDir();
    out = await isolatedStateDir();
    env = { GAUNTLET_STATE_DIR: state };
    const up = await gauntlet(['cluster', 'up', '--name', 'faults', '--nodes-per-zone', '1'], env);
    expect(up.exitCode, up.stderr).to.equal(0);
    spec = JSON.parse(
      await readFile(join(state, 'clusters', 'faults', 'cluster.json'), 'utf8'),
    ) as LocalClusterSpec;
    allComponents = running(await componentStates(spec));
  });

  after(async () => {
    if (spec) await gauntlet(['cluster', 'down', '--name', 'faults'], env);
  });

  const inject = (args: string[], extraEnv: Record<string, string> = {}) =>
    gauntlet(['fault', 'inject', ...args, '--cluster', 'faults', '--out', out], { ...env, ...extraEnv });

  it('a dry run prints exactly what would be done and changes nothing', async () => {
    const kube = kubeFromFile(spec.kubeconfig);
    const nodesBefore = (await kube.core.listNode()).items.map((n) => [
      n.metadata?.name,
      n.metadata?.annotations,
      n.spec?.taints,
    ]);
    const before = await componentStates(spec);
    const zones = await inject(['zone-loss', '--all', '--dry-run']);
    expect(zones.exitCode, zones.stderr).to.equal(0);
    expect(zones.stdout)
      .to.contain('SIGSTOP the kwok playing zone us-east-1a')
      .and.contain('zone us-east-1c');
    const kill = await inject(['control-plane-kill', '--role', 'kube-apiserver', '--dry-run']);
    expect(kill.stdout).to.contain('SIGKILL kube-apiserver-0');
    const after = await componentStates(spec);
    expect(after.map((s) => [s.id, s.pid, s.status])).to.deep.equal(
      before.map((s) => [s.id, s.pid, s.status]),
    );
    const nodesAfter = (await kube.core.listNode()).items.map((n) => [
      n.metadata?.name,
      n.metadata?.annotations,
      n.spec?.taints,
    ]);
    expect(nodesAfter).to.deep.equal(nodesBefore);
  });

  it('a spec with a bad field, or a target that does not exist, is refused before anything is injected', async () => {
    const bad = await inject([
      'control-plane-kill',
      '--role',
      'kube-apiserver',
      '--spec',
      '{"replaceAfterSecs":5}',
    ]);
    expect(bad.exitCode).to.equal(ExitCode.Usage);
    expect(bad.stderr).to.contain('spec.replaceAfterSecs: unknown field');
    const noZone = await inject(['zone-loss', '--zone', 'mars-1a']);
    expect(noZone.exitCode).to.equal(ExitCode.Usage);
    expect(noZone.stderr).to.contain('target.zone');
    const unscoped = await inject(['zone-loss']);
    expect(unscoped.exitCode, 'every zone needs an explicit --all').to.equal(ExitCode.Usage);
    expect(unscoped.stderr).to.contain('--all');
    const wrongSelector = await inject(['zone-loss', '--names', 'kwok-us-east-1a-0']);
    expect(wrongSelector.exitCode).to.equal(ExitCode.Usage);
    expect(wrongSelector.stderr).to.contain('--names: not a selector for zone targets');
    expect(running(await componentStates(spec))).to.deep.equal(allComponents);
  });

  it('injects and reverts zone loss: the zone kwok is frozen for the hold, then running again', async () => {
    const result = await inject(['zone-loss', '--zone', 'us-east-1b', '--for', '1']);
    expect(result.exitCode, result.stderr).to.equal(0);
    expect(result.stderr)
      .to.contain('injected zone-loss on zone/us-east-1b')
      .and.contain('reverted zone-loss on zone/us-east-1b');
    expect(running(await componentStates(spec))).to.deep.equal(allComponents);
  });

  // 3 zones x 7 points of inject and revert: the harness SIGKILLs itself at each, then `gauntlet recover` must
  // revert exactly the zones injected at that moment (targets go in name order, reverts in reverse) and leave
  // nothing injected: every component running again, no ledger entry pending, no watchdog left.
  const zones = ['us-east-1a', 'us-east-1b', 'us-east-1c'];
  const pendingAt: Record<string, (nth: number) => string[]> = {
    'before-intent': (n) => zones.slice(0, n - 1),
    'after-intent': (n) => zones.slice(0, n),
    'after-apply': (n) => zones.slice(0, n),
    'after-applied-record': (n) => zones.slice(0, n),
    'before-revert': (n) => zones.slice(0, 4 - n),
    'after-revert': (n) => zones.slice(0, 4 - n),
    'after-reverted-record': (n) => zones.slice(0, 3 - n),
  };
  for (const [point, pending] of Object.entries(pendingAt)) {
    for (const nth of [1, 2, 3]) {
      it(`SIGKILLed at ${point} #${nth} of a 3-zone outage: recover reverts exactly ${pending(nth).length} zone(s), leaves no fault behind`, async () => {
        const killed = await inject(['zone-loss', '--all', '--for', '0'], {
          GAUNTLET_CRASH_AT: `${point}:${nth}`,
        });
        expect(
          killed.signal,
          `the harness should have been killed at ${point}:${nth}\n${killed.stderr}`,
        ).to.equal('SIGKILL');
        const recover = await gauntlet(['recover', '--cluster', 'faults'], env);
        expect(recover.exitCode, recover.stderr).to.equal(0);
        const reverted = [...recover.stdout.matchAll(/^reverted zone-loss on zone\/(\S+)$/gm)]
          .map((m) => m[1])
          .sort();
        expect(reverted, 'zones recover reverted').to.deep.equal(pending(nth));
        expect(running(await componentStates(spec))).to.deep.equal(allComponents);
        expect(await nodesNotReady(spec), 'nodes not Ready after recover').to.deep.equal([]);
        await pollUntil(
          'the watchdogs to exit once the reverts are recorded',
          async () => ((await watchdogsOf(out)).length === 0 ? true : undefined),
          15_000,
          200,
        );
        const again = await gauntlet(['recover', '--cluster', 'faults'], env);
        expect(again.stdout).to.contain('nothing to recover');
      });
    }
  }

  // The apiserver killed and held by the supervisor, the harness SIGKILLed at each of the engine's crash points:
  // the member down exactly while the fault is in effect (read from the supervisor's processes), `gauntlet
  // recover` restarting it once wherever an intent is pending, and the API answering after.
  for (const { point, inEffect, pending } of crashMatrix) {
    it(`SIGKILLed at ${point} of an apiserver kill: recover reverts ${pending ? 'it once' : 'nothing'}, the API answers`, async () => {
      const killed = await inject(['control-plane-kill', '--role', 'kube-apiserver', '--for', '0'], {
        GAUNTLET_CRASH_AT: point,
      });
      expect(killed.signal, `the harness should have been SIGKILLed at ${point}\n${killed.stderr}`).to.equal(
        'SIGKILL',
      );
      expect(
        await apiserverProcessAlive(spec),
        `a kube-apiserver process alive (/proc) when the harness died at ${point}`,
      ).to.equal(!inEffect);
      const recover = await gauntlet(['recover', '--cluster', 'faults'], env);
      expect(recover.exitCode, recover.stderr).to.equal(0);
      expect(revertedBy(recover.stdout)).to.deep.equal(
        pending ? ['control-plane-kill on component/kube-apiserver-0'] : [],
      );
      expect(running(await componentStates(spec))).to.deep.equal(allComponents);
      // The restarted apiserver takes a few seconds to be ready; /readyz has no watch, so poll within a bound.
      await pollUntil(
        'the API to answer after recover',
        async () => ((await apiReady(spec.endpoint, spec.dir)) ? true : undefined),
        60_000,
        250,
      );
    });
  }

  for (const signal of ['SIGSTOP', 'SIGKILL'] as const) {
    it(`a harness ${signal === 'SIGSTOP' ? 'hung' : 'killed'} while holding a fault: its watchdog reverts it at the max duration, with no recover`, async () => {
      const harness = startGauntlet(
        [
          'fault',
          'inject',
          'zone-loss',
          '--zone',
          'us-east-1b',
          '--for',
          '4',
          '--max-duration',
          '4',
          '--cluster',
          'faults',
          '--out',
          out,
        ],
        { ...env, GAUNTLET_QUIET: '0' },
      );
      await new Promise<void>((resolve, reject) => {
        let text = '';
        harness.stderr!.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          if (text.includes('holding zone-loss')) resolve();
        });
        harness.once('exit', () =>
          reject(new Error(`the harness exited before holding the fault:\n${text}`)),
        );
      });
      process.kill(harness.pid!, signal);
      const injectedAt = Date.now();
      try {
        expect(running(await componentStates(spec))).to.not.deep.equal(allComponents);
        // The supervisor has no event stream: poll its status within a bound (4 s max duration + revert).
        await pollUntil(
          'the watchdog to revert the zone loss',
          async () =>
            running(await componentStates(spec)).length === allComponents.length ? true : undefined,
          30_000,
          200,
        );
        expect(Date.now() - injectedAt, 'reverted no later than the max duration allows').to.be.below(15_000);
        const runDir = (await gauntlet(['recover', '--cluster', 'faults'], env)).stdout;
        expect(runDir, 'nothing left for recover').to.contain('nothing to recover');
      } finally {
        harness.kill('SIGKILL');
        await harness;
      }
    });
  }
  it('a revert that cannot be done exits 4 naming what is left and its undo data; a later recover finishes it', async () => {
    const killed = await inject(
      ['zone-loss', '--zone', 'us-east-1c', '--for', '60', '--max-duration', '600'],
      {
        GAUNTLET_CRASH_AT: 'after-applied-record',
      },
    );
    expect(killed.exitCode, killed.stderr).to.not.equal(0);
    // A hung supervisor: the zone's kwok cannot be resumed through it, so the revert fails (after its 15 s timeout).
    const { pid } = JSON.parse(await readFile(join(spec.dir, 'supervisor.json'), 'utf8')) as { pid: number };
    process.kill(pid, 'SIGSTOP');
    let failed: Awaited<ReturnType<typeof gauntlet>>;
    try {
      failed = await gauntlet(['recover', '--cluster', 'faults'], env);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    expect(failed.exitCode, failed.stderr).to.equal(ExitCode.RevertFailed);
    expect(failed.stderr)
      .to.contain('could not revert (undo by hand)')
      .and.contain('zone-loss on zone/us-east-1c')
      .and.contain('undo data: {')
      .and.contain('does not answer');
    // (The supervisor, once resumed, may still serve the request that timed out: the ledger is what counts.)
    const recover = await gauntlet(['recover', '--cluster', 'faults'], env);
    expect(recover.exitCode, recover.stderr).to.equal(0);
    expect(recover.stdout).to.contain('reverted zone-loss on zone/us-east-1c');
    await pollUntil(
      'every component running again after the supervisor resumed',
      async () => (running(await componentStates(spec)).length === allComponents.length ? true : undefined),
      60_000,
      250,
    );
  });
});
