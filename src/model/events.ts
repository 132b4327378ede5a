/**
 * What a long `gauntlet run` is doing, as events: the jobs, the suite runner, the chaos timeline and loads emit
 * them; one output (app/jobs/progress-output.ts) renders them on stderr, for people (default), for machines (--json: one JSON object per
 * line) or not at all (--quiet). Emitting with no output attached costs nothing.
 */
import type { TestState } from './outcome.ts';

export type RunPhase = 'bootstrap' | 'provision' | 'suite' | 'teardown';

export type ProgressEvent =
  | { event: 'phase'; phase: RunPhase; detail?: string }
  | { event: 'test-start'; suite: string; title: string; index: number; total: number }
  | {
      event: 'test-end';
      suite: string;
      title: string;
      state: TestState;
      durationMs: number;
      error?: string;
      /** skipped: why. */
      reason?: string;
    }
  | { event: 'fault-on'; scenario: string; fault: string; target: string }
  | { event: 'fault-off'; scenario: string; fault: string; target: string; heldMs: number }
  | { event: 'load-start'; scenario: string; script: string }
  | { event: 'load-end'; scenario: string; script: string; verdict: string; p99Ms: Record<string, number> }
  | { event: 'log'; message: string }
  | {
      event: 'run-end';
      runDir: string;
      passed: number;
      failed: number;
      broken: number;
      skipped: number;
      exitCode: number;
    };

/** Every event as written: epoch milliseconds and time since the output started. */
export type Stamped = ProgressEvent & { ts: number; elapsedMs: number };

let sink: ((event: ProgressEvent) => void) | undefined;

export function emitProgress(event: ProgressEvent): void {
  sink?.(event);
}

/** The output (app/jobs/progress-output.ts) attaches itself here; undefined detaches it. */
export function setProgressSink(next: ((event: ProgressEvent) => void) | undefined): void {
  sink = next;
}
