import { redirectSteps } from '../../src/log.ts';
import { emitProgress, type ProgressEvent, type RunPhase, setProgressSink } from '../../src/model/events.ts';

/** Renders the run's progress events (src/model/events.ts) on stderr, for people or for machines. */
export type ProgressMode = 'human' | 'json' | 'quiet';

const HEARTBEAT_MS = 30_000;

/** Attaches the output for one run; returns the function that detaches it. */
export function startProgress(
  mode: ProgressMode,
  write: (line: string) => void = (line) => process.stderr.write(line),
): () => void {
  const started = Date.now();
  if (mode === 'quiet') {
    redirectSteps(() => {});
    return () => redirectSteps(undefined);
  }
  if (mode === 'json') {
    setProgressSink((event) => {
      const ts = Date.now();
      write(`${JSON.stringify({ ts, elapsedMs: ts - started, ...event })}\n`);
    });
    // Plain progress lines become events too, so stderr carries nothing but JSON lines.
    redirectSteps((message) => emitProgress({ event: 'log', message }));
    return () => {
      setProgressSink(undefined);
      redirectSteps(undefined);
    };
  }
  const state = new HumanState(started);
  setProgressSink((event) => {
    const line = state.apply(event);
    if (line) write(`${line}\n`);
  });
  const heartbeat = setInterval(() => {
    const line = state.heartbeat();
    if (line) write(`${line}\n`);
  }, HEARTBEAT_MS);
  heartbeat.unref();
  return () => {
    clearInterval(heartbeat);
    setProgressSink(undefined);
  };
}

export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60
    ? `${m}m${String(s % 60).padStart(2, '0')}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** The human view: one line per change, and a heartbeat while a long test runs. */
class HumanState {
  private phase: RunPhase | undefined;
  private test: { title: string; index: number; total: number; since: number } | undefined;
  private readonly faults = new Map<string, number>();
  private finished = 0;
  private finishedMs = 0;
  private total = 0;

  constructor(private readonly started: number) {}

  apply(e: ProgressEvent): string | undefined {
    switch (e.event) {
      case 'phase':
        this.phase = e.phase;
        return this.line(`phase ${e.phase}${e.detail ? `: ${e.detail}` : ''}`);
      case 'test-start':
        this.test = { title: `${e.suite} › ${e.title}`, index: e.index, total: e.total, since: Date.now() };
        this.total = e.total;
        return this.line(`test ${e.index}/${e.total}: ${this.test.title}${this.remaining()}`);
      case 'test-end':
        this.finished += 1;
        this.finishedMs += e.durationMs;
        this.test = undefined;
        if (e.state === 'failed')
          return this.line(`FAILED: ${e.suite} › ${e.title}${e.error ? `: ${e.error}` : ''}`);
        if (e.state === 'broken')
          return this.line(`BROKEN (harness error): ${e.suite} › ${e.title}${e.error ? `: ${e.error}` : ''}`);
        if (e.state === 'skipped')
          return this.line(`skipped: ${e.suite} › ${e.title}: ${e.reason ?? 'no reason given'}`);
        return undefined;
      case 'fault-on':
        this.faults.set(`${e.fault} on ${e.target}`, Date.now());
        return this.line(`fault on: ${e.fault} on ${e.target} (${e.scenario})`);
      case 'fault-off':
        this.faults.delete(`${e.fault} on ${e.target}`);
        return this.line(`fault off: ${e.fault} on ${e.target} after ${duration(e.heldMs)}`);
      case 'load-start':
        return this.line(`load ${e.script} started (${e.scenario})`);
      case 'load-end':
        return this.line(`load ${e.script}: ${e.verdict} (${e.scenario})`);
      case 'run-end':
        return this.line(
          `done: ${e.passed} passed, ${e.failed} failed, ${e.broken} broken, ${e.skipped} skipped`,
        );
      case 'log':
        return undefined;
    }
  }

  heartbeat(): string | undefined {
    if (!this.test) return undefined;
    const faults = [...this.faults.entries()].map(
      ([what, since]) => `${what} for ${duration(Date.now() - since)}`,
    );
    return this.line(
      `still on test ${this.test.index}/${this.test.total} (${duration(Date.now() - this.test.since)}): ${this.test.title}` +
        `${faults.length > 0 ? `; fault on: ${faults.join(', ')}` : ''}${this.remaining()}`,
    );
  }

  /** An estimate, and said to be one: tests left times the mean duration of the tests finished so far. */
  private remaining(): string {
    const left = this.total - this.finished;
    if (left <= 0) return '';
    if (this.finished === 0) return `; ${left} tests left`;
    const mean = this.finishedMs / this.finished;
    return `; ~${duration(left * mean)} left (estimate: ${left} tests × ${duration(mean)} mean so far)`;
  }

  private line(text: string): string {
    return `[gauntlet ${duration(Date.now() - this.started)}${this.phase ? ` ${this.phase}` : ''}] ${text}`;
  }
}
