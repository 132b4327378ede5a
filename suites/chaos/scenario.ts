import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Check } from '../../checks/check.ts';
import { ledgerKey } from '../../faults/engine/fault-cluster.ts';
import { type Injection, inject, parseSpec } from '../../faults/engine/fault-engine.ts';
import { Ledger } from '../../faults/engine/ledger.ts';
import { describeTarget, type FaultContext, type FaultTarget } from '../../faults/fault.ts';
import { faultByKind } from '../../faults/registry.ts';
import { attachScenarioArtifacts } from '../../reports/scenario-artifacts.ts';
import { type AwsContext, awsContext } from '../../src/aws/clients.ts';
import { requireDestructiveAllowed } from '../../src/aws/guards.ts';
import { ExitCode, GauntletError } from '../../src/errors.ts';
import { type RunContext, runContext } from '../../src/model/run-context.ts';
import { type FaultWindow, type MonitorOutcome, Timeline } from '../../src/model/timeline.ts';
import { parseApiDefinition } from '../../src/observe/load/load-definition.ts';
import { type ApiLoad, startApiLoad } from '../../src/observe/load/scenario-load.ts';
import { type VegetaResult, vegetaSamples } from '../../src/observe/load/vegeta-verdict.ts';
import { formatOutcome, ScenarioMonitors } from './scenario-monitors.ts';

/**
 * One chaos scenario's plumbing: a timeline, the run's ledger, faults injected through the engine (journaled
 * first) with their windows recorded, and conformance checks' monitors watching throughout. converge() reverts
 * and waits for every monitor to be healthy again; finish() reverts whatever is still injected, stops the
 * monitors and saves the timeline as <run dir>/timelines/<scenario>.json: call it from an after() hook.
 */
export class Scenario {
  readonly timeline: Timeline;
  private readonly injected: { injection: Injection; window: FaultWindow }[] = [];
  private monitors?: ScenarioMonitors;
  private readonly loads: Promise<unknown>[] = [];
  private aws: AwsContext | undefined;

  private constructor(
    readonly name: string,
    readonly run: RunContext,
    private readonly ledger: Ledger,
  ) {
    this.timeline = new Timeline(name);
  }

  /** Opens the scenario; with monitors, returns once each of those checks has judged its fixtures healthy. */
  static async open(name: string, o: { monitors?: Check[] } = {}): Promise<Scenario> {
    const run = runContext();
    const key = ledgerKey(run.cluster, run.kube);
    const ledger = await Ledger.open(run.outDir, key, `${run.runId}-${name}`);
    const scenario = new Scenario(name, run, ledger);
    if (o.monitors?.length)
      scenario.monitors = await ScenarioMonitors.start(run, name, o.monitors, scenario.timeline);
    return scenario;
  }

  /**
   * Reverts every fault, then waits (up to timeoutMs) for every monitored behaviour to be healthy again, and puts
   * each monitor's outcome (how long it was broken, how often) on the timeline. Throws naming what stayed broken.
   */
  async converge(timeoutMs: number): Promise<MonitorOutcome[]> {
    await this.revertAll();
    if (!this.monitors) return [];
    const revertedAt = Date.now();
    try {
      await this.monitors.untilAllOk(timeoutMs, 'after the revert');
      this.timeline.mark(`conformance monitors healthy ${Date.now() - revertedAt} ms after the revert`);
    } finally {
      this.timeline.monitorOutcomes = this.monitors.outcomes();
      for (const outcome of this.timeline.monitorOutcomes) this.timeline.mark(formatOutcome(outcome));
    }
    return this.timeline.monitorOutcomes;
  }

  /** Monitors that returned at once without a verdict: nothing to watch on this cluster. */
  get inactiveMonitors(): string[] {
    return this.monitors?.inactive ?? [];
  }

  /** Each monitor's broken time and breaks so far (empty without monitors). */
  monitorOutcomes(): MonitorOutcome[] {
    return this.timeline.monitorOutcomes ?? this.monitors?.outcomes() ?? [];
  }

  /** The namespaces of the monitors' fixtures (empty without monitors). */
  get monitoredNamespaces(): string[] {
    return this.monitors?.namespaces ?? [];
  }

  get ctx(): FaultContext {
    const aws = this.run.config.aws;
    this.aws ??= aws ? awsContext(aws) : undefined;
    return {
      kube: this.run.kube,
      cluster: this.run.cluster,
      signal: this.run.signal,
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
    // The window opens when the change starts: a fault's apply can take seconds (etcd filling up).
    const window = this.timeline.faultOn(kind, describeTarget(target));
    try {
      const injection = await inject(fault, target, spec, {
        ctx: this.ctx,
        ledger: this.ledger,
        maxDurationMs,
      });
      this.injected.push({ injection, window });
      return injection;
    } catch (error) {
      this.timeline.faultOff(window); // the engine has reverted whatever a failed apply changed
      throw error;
    }
  }

  async revert(injection: Injection): Promise<void> {
    const entry = this.injected.find((i) => i.injection === injection);
    await injection.revert();
    if (entry) this.timeline.faultOff(entry.window);
  }

  /**
   * Starts an open-model API load (a load definition: operations, rates, SLO bounds; defaults for what it leaves
   * out) against the cluster in the background; finish() waits for it. SLO table:
   * <run dir>/load/<scenario>.json, on the timeline and in the report. Inject after `await load.started`.
   * A broken definition throws LoadDefinitionError (exit 3) here, before anything starts.
   */
  load(definition: unknown = {}): ApiLoad {
    const file = this.loads.length === 0 ? this.name : `${this.name}-${this.loads.length + 1}`;
    const load = startApiLoad({
      cluster: this.run.cluster,
      runId: this.run.runId,
      runDir: this.run.outDir,
      file,
      definition: parseApiDefinition(definition, `scenario ${this.name}`),
      timeline: this.timeline,
      signal: this.run.signal,
    });
    this.loads.push(load.result.catch(() => undefined)); // the caller sees the error through load.result
    return load;
  }

  /**
   * Follows a workload load running in the background (finish() waits for it): its per-second buckets go onto
   * the timeline as the "service" series, its verdict as a mark.
   */
  trackServiceLoad<R extends VegetaResult>(what: string, running: Promise<R>): Promise<R> {
    const result = running.then((r) => {
      this.timeline.probeSeries('service').push(...vegetaSamples(r));
      this.timeline.mark(
        `load ${what}: ${r.verdict}${r.failures.length ? ` (${r.failures.join(' | ')})` : ''}`,
        r.finishedAt,
      );
      return r;
    });
    this.loads.push(result.catch(() => undefined)); // the caller sees the error through the promise
    return result;
  }

  /** Reverts every fault, waits for the loads, stops the monitors, saves the timeline. */
  async finish(): Promise<string> {
    let failure: unknown;
    await this.revertAll().catch((error) => {
      failure = error;
    });
    await Promise.all(this.loads);
    if (this.monitors) {
      this.timeline.monitorOutcomes ??= this.monitors.outcomes();
      await this.monitors.stop();
    }
    const dir = join(this.run.outDir, 'timelines');
    await mkdir(dir, { recursive: true });
    const file = join(dir, `${this.name}.json`);
    await this.timeline.save(file);
    await attachScenarioArtifacts(this);
    if (failure) throw failure;
    return file;
  }

  /** Reverts every fault, each on its own: one failure must not leave the others injected. */
  private async revertAll(): Promise<void> {
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
    if (failures.length > 0) {
      throw new GauntletError(
        `could not revert (undo by hand; ledger ${this.ledger.file}):\n  - ${failures.join('\n  - ')}`,
        ExitCode.RevertFailed,
      );
    }
  }
}
