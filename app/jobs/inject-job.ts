import { join, resolve } from 'node:path';
import { type FaultClusterFlags, faultCluster } from '../../faults/engine/fault-cluster.ts';
import {
  formatLeftovers,
  type Injection,
  inject,
  parseSpec,
  recoverCluster,
} from '../../faults/engine/fault-engine.ts';
import { Ledger } from '../../faults/engine/ledger.ts';
import { describeTarget, type FaultTarget } from '../../faults/fault.ts';
import { faultByKind } from '../../faults/registry.ts';
import {
  selectAwsZones,
  selectCluster,
  selectComponents,
  selectInstances,
  selectNodes,
  selectZones,
} from '../../faults/targets.ts';
import { missingPermissions, requireDestructiveAllowed } from '../../src/aws/guards.ts';
import { configSchema } from '../../src/config/schema.ts';
import { ConfigError, ExitCode, GauntletError } from '../../src/errors.ts';
import { progress } from '../../src/log.ts';
import { newRunId } from '../../src/model/run-id.ts';
import { interruptSignal } from './interrupt.ts';

/** What `gauntlet fault inject` is asked to do; the CLI maps its flags onto this. */
export interface InjectJobOptions {
  config?: string;
  cluster?: string;
  kubeconfig?: string;
  context?: string;
  names?: string[];
  zone?: string;
  role?: string;
  labels?: string;
  leader?: boolean;
  all?: boolean;
  count?: number;
  percent?: number;
  spec?: string;
  for: number;
  maxDuration: number;
  dryRun?: boolean;
  out: string;
}

/** `gauntlet fault inject`: recover leftovers, select, (dry-run or) inject, hold, revert; exit 4 if a revert fails. */
export async function injectByHand(kind: string, flags: InjectJobOptions): Promise<void> {
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
  refuseInapplicableSelectors(fault.targets, flags);
  // Cloud faults are refused before anything is looked up or changed unless every guard holds.
  if (fault.backend === 'aws' && !flags.dryRun)
    await requireDestructiveAllowed(ctx.kube, ctx.aws, ctx.safety ?? defaultSafety(), fault.kind);
  const select = async (): Promise<FaultTarget[]> =>
    fault.targets === 'node'
      ? await selectNodes(ctx, selector)
      : fault.targets === 'zone'
        ? fault.backend === 'aws'
          ? await selectAwsZones(ctx, selector)
          : await selectZones(ctx, selector)
        : fault.targets === 'cluster'
          ? selectCluster(ctx)
          : fault.targets === 'instance'
            ? await selectInstances(ctx, selector)
            : await selectComponents(ctx, selector);
  const targets = await select().catch(async (error: unknown) => {
    // A dry run that cannot find its targets (the config names another region) refuses as the real run does,
    // by its guards first, so both give the same refusal.
    if (fault.backend === 'aws' && flags.dryRun)
      await requireDestructiveAllowed(ctx.kube, ctx.aws, ctx.safety ?? defaultSafety(), fault.kind);
    throw error;
  });
  if (targets.length === 0) throw new ConfigError('no targets selected');
  // The fault's own applicability rules, for dry run and real run alike, before anything is written: capture
  // reads and changes nothing, and refuses a target the fault cannot act on (a zone-loss on a cluster we do not run).
  for (const target of targets) await fault.capture(ctx, spec, target);

  if (flags.dryRun) {
    process.stdout.write(
      `dry run: ${fault.kind} on ${targets.length} target(s), held ${flags.for} s, then reverted\n`,
    );
    for (const target of targets) {
      process.stdout.write(`  ${fault.describe(spec, target)}\n`);
      for (const line of (await fault.verify?.(ctx, spec, target)) ?? [])
        process.stdout.write(`    ${line}\n`);
    }
    if (fault.backend === 'aws') {
      const missing = await missingPermissions(ctx.kube, ctx.aws, ctx.safety ?? defaultSafety());
      process.stdout.write(
        missing.length === 0
          ? '  guards: all hold (a real run would proceed)\n'
          : `  guards: a real run would be refused; missing:\n${missing.map((m) => `    - ${m}\n`).join('')}`,
      );
      // The same refusal, with the same exit code, as the real run.
      await requireDestructiveAllowed(ctx.kube, ctx.aws, ctx.safety ?? defaultSafety(), fault.kind);
    }
    return;
  }

  const leftovers = await recoverCluster(ctx, key);
  if (leftovers.reverted.length > 0)
    log.step(`recovered ${leftovers.reverted.length} fault(s) left by an earlier run`);
  if (leftovers.failed.length > 0 || leftovers.missing.length > 0) {
    throw new GauntletError(
      `faults of an earlier run could not be reverted:\n${formatLeftovers(leftovers)}`,
      ExitCode.RevertFailed,
    );
  }

  const runId = newRunId('fault-');
  ctx.runId = runId;
  const runDir = resolve(flags.out, runId);
  const ledger = await Ledger.open(runDir, key, runId);
  const interrupt = interruptSignal();
  const injections: Injection[] = [];
  const failed: string[] = [];
  try {
    for (const target of targets) {
      if (interrupt.interrupted()) break;
      try {
        injections.push(
          await inject(fault, target, spec, {
            ctx,
            ledger,
            maxDurationMs: flags.maxDuration * 1000,
            signal: interrupt.signal,
          }),
        );
      } catch (error) {
        // inject() reverted what the apply had changed, or says it could not (exit 4): say which, then stop.
        if (!(error instanceof GauntletError && error.exitCode === ExitCode.RevertFailed))
          log.step(
            `${fault.kind} on ${describeTarget(target)} not applied (${interrupt.interrupted() ? 'interrupted' : (error as Error).message}); what it had changed is reverted`,
          );
        throw error;
      }
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
  if (result.failed.length > 0 || result.missing.length > 0) {
    throw new GauntletError(
      `could not revert (undo by hand):\n${formatLeftovers(result)}`,
      ExitCode.RevertFailed,
    );
  }
  if (result.reverted.length === 0)
    process.stdout.write('nothing to recover: no fault is recorded as still injected\n');
}

/** Which selector flags each target kind understands; anything else is refused rather than silently ignored. */
const applicable: Record<FaultTarget['kind'], (keyof InjectJobOptions)[]> = {
  node: ['names', 'zone', 'labels', 'count', 'percent', 'all'],
  zone: ['zone', 'count', 'percent', 'all'],
  component: ['role', 'names', 'leader', 'count', 'percent'],
  instance: ['role', 'names', 'zone', 'count', 'percent', 'all'],
  cluster: [],
};

function refuseInapplicableSelectors(kind: FaultTarget['kind'], flags: InjectJobOptions): void {
  const given = (['names', 'zone', 'role', 'labels', 'leader', 'count', 'percent', 'all'] as const).filter(
    (f) => flags[f] !== undefined,
  );
  const refused = given.filter((f) => !applicable[kind].includes(f));
  if (refused.length > 0)
    throw new ConfigError(`--${refused.join(', --')}: not a selector for ${kind} targets`);
  if (flags.count !== undefined && flags.count < 1)
    throw new ConfigError(`--count: expected at least 1, got ${flags.count}`);
  if (flags.percent !== undefined && (flags.percent < 1 || flags.percent > 100)) {
    throw new ConfigError(`--percent: expected 1 to 100, got ${flags.percent}`);
  }
  // Hitting every node or every zone must be asked for: the full-disruption case is one flag away, not a typo.
  const scoped = flags.names || flags.zone || flags.labels || (kind === 'instance' && flags.role);
  if ((kind === 'node' || kind === 'zone' || kind === 'instance') && !scoped && !flags.all) {
    const what = {
      node: 'nodes (--names, --zone, --labels)',
      zone: 'zone (--zone)',
      instance: 'instances (--names, --zone, --role)',
    }[kind];
    throw new ConfigError(`no target selected: name the ${what} or pass --all`);
  }
}

const defaultSafety = () => configSchema.shape.safety.parse(undefined);
