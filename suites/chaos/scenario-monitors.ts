import { createHash } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { Check, CheckContext } from '../../checks/check.ts';
import { closeCheckContext, openCheckContext } from '../../checks/check-context.ts';
import { replacedPods } from '../../checks/self-healing/replaced-pods.ts';
import { dnsServiceRecordsCheck } from '../../checks/service-discovery/dns-service-records.ts';
import { endpointSlicesCheck } from '../../checks/service-discovery/endpoint-slices.ts';
import type { RunContext } from '../../src/model/run-context.ts';
import type { MonitorOutcome, Timeline, Transition } from '../../src/model/timeline.ts';

/** The behaviours every chaos scenario watches by default: Service endpoints, DNS answers, ReplicaSet health. */
export const scenarioMonitors: Check[] = [endpointSlicesCheck, dnsServiceRecordsCheck, replacedPods];

interface Watched {
  check: Check;
  ctx: CheckContext;
  transitions: Transition[];
  done: Promise<void>;
  /** The monitor returned at once without a verdict: nothing to watch on this cluster (a skipped check). */
  inapplicable?: boolean;
}

/**
 * Conformance checks' monitors running beside a chaos scenario: each check's fixtures in a namespace of their own,
 * every verdict change recorded on the scenario's timeline. Waiting is event-driven: a waiter is woken by the
 * transition it waits for, with a deadline.
 */
export class ScenarioMonitors {
  private readonly abort = new AbortController();
  private readonly watched: Watched[] = [];
  private readonly waiters = new Set<() => void>();
  /** When every monitor was first healthy: broken time is counted from here (fixtures starting up don't count). */
  private armedAt = Number.POSITIVE_INFINITY;

  private constructor(private readonly timeline: Timeline) {
    // Every monitor and each of its informers listens on this one signal: many listeners is the design, not a leak.
    setMaxListeners(0, this.abort.signal);
  }

  /** Sets every check up, starts its monitor and returns once each has judged its behaviour healthy. */
  static async start(
    run: Pick<RunContext, 'kube' | 'cluster' | 'runId'>,
    scenario: string,
    checks: Check[],
    timeline: Timeline,
    healthyWithinMs = 60_000,
  ): Promise<ScenarioMonitors> {
    const monitors = new ScenarioMonitors(timeline);
    try {
      for (const check of checks) {
        // Namespace names hold 63 characters: the check, a short tag of the scenario, the run id.
        const tag = createHash('sha256').update(scenario).digest('hex').slice(0, 4);
        const ctx = await openCheckContext(run, `${check.name}-${tag}`);
        const entry: Watched = { check, ctx, transitions: [], done: Promise.resolve() };
        monitors.watched.push(entry);
        await check.setup(ctx);
        entry.done = check
          .monitor(ctx, monitors.abort.signal, (t) => monitors.record(entry, { ...t, check: check.name }))
          .then(() => {
            if (monitors.abort.signal.aborted || entry.transitions.length > 0) return;
            entry.inapplicable = true;
            for (const wake of monitors.waiters) wake();
          })
          .catch((error: Error) =>
            monitors.record(entry, {
              at: Date.now(),
              observedAt: Date.now(),
              check: check.name,
              ok: false,
              detail: `monitor stopped: ${error.message}`,
            }),
          );
      }
      await monitors.untilAllOk(healthyWithinMs, 'before the fault');
      monitors.armedAt = Date.now();
    } catch (error) {
      await monitors.stop();
      throw error;
    }
    return monitors;
  }

  /** The checks whose monitor had nothing to watch on this cluster. */
  get inactive(): string[] {
    return this.watched.filter((w) => w.inapplicable).map((w) => w.check.name);
  }

  get namespaces(): string[] {
    return this.watched.map((w) => w.ctx.namespace);
  }

  private record(entry: Watched, t: Transition): void {
    entry.transitions.push(t);
    this.timeline.transition(t);
    for (const wake of this.waiters) wake();
  }

  private brokenNow(): Watched[] {
    return this.watched.filter((w) => !w.inapplicable && w.transitions.at(-1)?.ok !== true);
  }

  /** Resolves when every monitor's latest verdict is ok; rejects after timeoutMs naming the ones still broken. */
  untilAllOk(timeoutMs: number, when: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.brokenNow().length > 0) return;
        finish();
        resolve();
      };
      const timer = setTimeout(() => {
        finish();
        const broken = this.brokenNow().map(
          (w) => `${w.check.name}: ${w.transitions.at(-1)?.detail ?? 'no verdict yet'}`,
        );
        reject(
          new Error(`conformance monitors not healthy ${when} within ${timeoutMs} ms: ${broken.join('; ')}`),
        );
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Each monitor's broken time and breaks since every monitor was first healthy, measured up to now. */
  outcomes(now = Date.now()): MonitorOutcome[] {
    return this.watched
      .filter((w) => !w.inapplicable)
      .map(({ check, transitions }) => {
        const watched = transitions.filter((t) => t.at >= this.armedAt);
        let brokenMs = 0;
        let longestBrokenMs = 0;
        let breaks = 0;
        let brokenSince: number | undefined;
        let firstBreakDetail: string | undefined;
        const close = (at: number) => {
          if (brokenSince === undefined) return;
          brokenMs += at - brokenSince;
          longestBrokenMs = Math.max(longestBrokenMs, at - brokenSince);
          brokenSince = undefined;
        };
        for (const t of watched) {
          if (t.ok) close(t.at);
          else if (brokenSince === undefined) {
            brokenSince = t.at;
            breaks += 1;
            firstBreakDetail ??= t.detail;
          }
        }
        close(now);
        const last = transitions.at(-1);
        return {
          check: check.name,
          brokenMs,
          longestBrokenMs,
          breaks,
          okAtEnd: last?.ok === true,
          lastDetail: last?.detail ?? 'no verdict',
          ...(firstBreakDetail ? { firstBreakDetail } : {}),
        };
      });
  }

  /** Stops the monitors and removes their fixtures; safe to call twice. */
  async stop(): Promise<void> {
    if (this.abort.signal.aborted) return;
    this.abort.abort();
    await Promise.all(this.watched.map((w) => w.done));
    for (const { check, ctx } of this.watched) {
      await check.teardown(ctx).catch(() => undefined);
      await closeCheckContext(ctx).catch(() => undefined);
    }
  }
}

export const formatOutcome = (o: MonitorOutcome) =>
  `${o.check}: ${o.okAtEnd ? 'ok at the end' : 'STILL BROKEN'}, broken ${o.brokenMs} ms in ${o.breaks} break(s) (longest ${o.longestBrokenMs} ms)${o.firstBreakDetail ? `; first break: ${o.firstBreakDetail}` : ''}`;
