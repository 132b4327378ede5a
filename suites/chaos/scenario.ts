import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { FaultContext, FaultTarget } from '../../faults/fault.ts';
import { faultByKind } from '../../faults/registry.ts';
import { type AwsContext, awsContext } from '../../src/aws/clients.ts';
import { requireDestructiveAllowed } from '../../src/aws/guards.ts';
import { ExitCode, GauntletError } from '../../src/errors.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import { ledgerKey } from '../../src/run/fault-cluster.ts';
import { type Injection, inject, parseSpec } from '../../src/run/fault-engine.ts';
import { type RunContext, runContext } from '../../src/run/run-context.ts';
import { type FaultWindow, Timeline } from '../../src/run/timeline.ts';

/**
 * One chaos scenario's plumbing: a timeline, the run's ledger, and faults injected through the engine (journaled
 * first) with their windows recorded. finish() reverts whatever is still injected and saves the timeline as
 * <run dir>/timelines/<scenario>.json; call it from an after() hook so it runs on failure too.
 */
export class Scenario {
  readonly timeline: Timeline;
  private readonly injected: { injection: Injection; window: FaultWindow }[] = [];
  private aws: AwsContext | undefined;

  private constructor(
    readonly name: string,
    readonly run: RunContext,
    private readonly ledger: Ledger,
  ) {
    this.timeline = new Timeline(name);
  }

  static async open(name: string): Promise<Scenario> {
    const run = runContext();
    const key = ledgerKey(run.cluster, run.kube);
    const ledger = await Ledger.open(run.outDir, key, `${run.runId}-${name}`);
    return new Scenario(name, run, ledger);
  }

  get ctx(): FaultContext {
    const aws = this.run.config.aws;
    this.aws ??= aws ? awsContext(aws) : undefined;
    return {
      kube: this.run.kube,
      cluster: this.run.cluster,
      safety: this.run.config.safety,
      runId: this.run.runId,
      ...(this.aws ? { aws: this.aws } : {}),
    };
  }

  async inject(
    kind: string,
    target: FaultTarget,
    rawSpec: unknown = {},
    maxDurationMs = 120_000,
  ): Promise<Injection> {
    const fault = faultByKind(kind);
    const spec = parseSpec(fault, rawSpec);
    // Cloud faults need the same explicit allow in a scenario as by hand.
    if (fault.backend === 'aws')
      await requireDestructiveAllowed(this.ctx.kube, this.ctx.aws, this.run.config.safety, kind);
    const injection = await inject(fault, target, spec, {
      ctx: this.ctx,
      ledger: this.ledger,
      maxDurationMs,
    });
    const window = this.timeline.faultOn(kind, injection.target);
    this.injected.push({ injection, window });
    return injection;
  }

  async revert(injection: Injection): Promise<void> {
    const entry = this.injected.find((i) => i.injection === injection);
    await injection.revert();
    if (entry) this.timeline.faultOff(entry.window);
  }

  /** Reverts every fault (each on its own: one failure must not leave the others injected), saves the timeline. */
  async finish(): Promise<string> {
    const failures: string[] = [];
    for (const { injection, window } of [...this.injected].reverse()) {
      try {
        await injection.revert();
        this.timeline.faultOff(window);
      } catch (error) {
        failures.push(`${injection.fault} on ${injection.target}: ${(error as Error).message}`);
      }
    }
    await this.ledger.closeIfClean();
    const dir = join(this.run.outDir, 'timelines');
    await mkdir(dir, { recursive: true });
    const file = join(dir, `${this.name}.json`);
    await this.timeline.save(file);
    if (failures.length > 0) {
      throw new GauntletError(
        `could not revert (undo by hand; ledger ${this.ledger.file}):\n  - ${failures.join('\n  - ')}`,
        ExitCode.RevertFailed,
      );
    }
    return file;
  }
}
