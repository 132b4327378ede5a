import { join, resolve } from 'node:path';
import type { FaultTarget } from '../../faults/fault.ts';
import { faultByKind } from '../../faults/registry.ts';
import { selectCluster, selectComponents, selectNodes, selectZones } from '../../faults/targets.ts';
import type { InjectFlags } from '../cli/fault-command.ts';
import { interruptSignal } from '../cli/interrupt.ts';
import { ConfigError, ExitCode, GauntletError } from '../errors.ts';
import { Ledger } from '../ledger/ledger.ts';
import { progress } from '../log.ts';
import { type FaultClusterFlags, faultCluster } from './fault-cluster.ts';
import { formatLeftovers, type Injection, inject, parseSpec, recoverCluster } from './fault-engine.ts';

/** `gauntlet fault inject`: recover leftovers, select, (dry-run or) inject, hold, revert; exit 4 if a revert fails. */
export async function injectByHand(kind: string, flags: InjectFlags): Promise<void> {
  const fault = faultByKind(kind);
  let rawSpec: unknown = {};
  if (flags.spec) {
    try {
      rawSpec = JSON.parse(flags.spec);
    } catch {
      throw new ConfigError(`--spec: not valid JSON: ${flags.spec}`);
    }
  }
  const spec = parseSpec(fault, rawSpec);
  if (flags.maxDuration < flags.for)
    throw new ConfigError(`--for (${flags.for} s) exceeds --max-duration (${flags.maxDuration} s)`);
  const log = progress();
  const { ctx, key } = await faultCluster(flags);
  const selector = {
    names: flags.names,
    zone: flags.zone,
    role: flags.role,
    labels: flags.labels,
    leader: flags.leader,
    count: flags.count,
    percent: flags.percent,
  };
  const targets: FaultTarget[] =
    fault.targets === 'node'
      ? await selectNodes(ctx, selector)
      : fault.targets === 'zone'
        ? await selectZones(ctx, selector)
        : fault.targets === 'cluster'
          ? selectCluster(ctx)
          : await selectComponents(ctx, selector);
  if (targets.length === 0) throw new ConfigError('no targets selected');

  if (flags.dryRun) {
    process.stdout.write(
      `dry run: ${fault.kind} on ${targets.length} target(s), held ${flags.for} s, then reverted\n`,
    );
    for (const target of targets) process.stdout.write(`  ${fault.describe(spec, target)}\n`);
    return;
  }

  const leftovers = await recoverCluster(ctx, key);
  if (leftovers.reverted.length > 0)
    log.step(`recovered ${leftovers.reverted.length} fault(s) left by an earlier run`);
  if (leftovers.failed.length > 0) {
    throw new GauntletError(
      `faults of an earlier run could not be reverted:\n${formatLeftovers(leftovers.failed)}`,
      ExitCode.RevertFailed,
    );
  }

  const runId = `fault-${new Date().toISOString().replace(/[-:.]/g, '').slice(0, 15)}-${Math.random().toString(36).slice(2, 6)}`;
  const runDir = resolve(flags.out, runId);
  const ledger = await Ledger.open(runDir, key, runId);
  const interrupt = interruptSignal();
  const injections: Injection[] = [];
  const failed: string[] = [];
  try {
    for (const target of targets) {
      if (interrupt.interrupted()) break;
      injections.push(
        await inject(fault, target, spec, { ctx, ledger, maxDurationMs: flags.maxDuration * 1000 }),
      );
      log.step(`injected ${fault.kind} on ${injections.at(-1)!.target}`);
    }
    if (!interrupt.interrupted()) {
      log.step(
        `holding ${fault.kind} on ${injections.length} target(s) for ${flags.for} s (ledger ${join(runDir, 'ledger.jsonl')})`,
      );
      // Holding a fault is the one place where waiting for time to pass is the point, bounded by --for.
      await new Promise<void>((done) => {
        const timer = setTimeout(done, flags.for * 1000);
        interrupt.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          done();
        });
      });
    }
  } finally {
    for (const injection of [...injections].reverse()) {
      try {
        await injection.revert();
        log.step(`reverted ${injection.fault} on ${injection.target}`);
      } catch (error) {
        failed.push(`${injection.fault} on ${injection.target}: ${(error as Error).message}`);
      }
    }
    interrupt.dispose();
    await ledger.closeIfClean();
  }
  if (failed.length > 0) {
    throw new GauntletError(
      `could not revert (undo by hand; ledger ${ledger.file}):\n  - ${failed.join('\n  - ')}`,
      ExitCode.RevertFailed,
    );
  }
  if (interrupt.interrupted())
    throw new GauntletError('interrupted; every injected fault was reverted', ExitCode.Interrupted);
}

/** `gauntlet recover`: revert whatever the cluster's ledgers show as still injected. */
export async function recoverByHand(flags: FaultClusterFlags): Promise<void> {
  const { ctx, key } = await faultCluster(flags);
  const result = await recoverCluster(ctx, key);
  for (const intent of result.reverted)
    process.stdout.write(`reverted ${intent.fault} on ${intent.target}\n`);
  if (result.failed.length > 0) {
    throw new GauntletError(
      `could not revert (undo by hand):\n${formatLeftovers(result.failed)}`,
      ExitCode.RevertFailed,
    );
  }
  if (result.reverted.length === 0)
    process.stdout.write('nothing to recover: no fault is recorded as still injected\n');
}
