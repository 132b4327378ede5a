import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { FaultContext, FaultTarget } from '../../faults/fault.ts';
import { faultByKind } from '../../faults/registry.ts';
import { ExitCode, GauntletError } from '../../src/errors.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import { type K6Load, loadAlongside } from '../../src/load/scenario-load.ts';
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
  private readonly loads: Promise<unknown>[] = [];

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
    return { kube: this.run.kube, cluster: this.run.cluster };
  }

  async inject(
    kind: string,
    target: FaultTarget,
    rawSpec: unknown = {},
    maxDurationMs = 120_000,
  ): Promise<Injection> {
    const fault = faultByKind(kind);
    const spec = parseSpec(fault, rawSpec);
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

  /**
   * Starts a k6 script (fixtures/k6/<script>.js, settings in env) against the cluster in the background;
   * finish() waits for it. Summary: <run dir>/k6/<scenario>.summary.json; verdict and p99s: timeline marks.
   * Inject after `await load.started`, so the load is on before the fault.
   */
  load(script: string, env: Record<string, string> = {}): K6Load {
    const file = this.loads.length === 0 ? this.name : `${this.name}-${this.loads.length + 1}`;
    const load = loadAlongside(this.run, this.timeline, file, script, env);
    this.loads.push(load.result.catch(() => undefined)); // the caller sees the error through load.result
    return load;
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
    await Promise.all(this.loads);
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
