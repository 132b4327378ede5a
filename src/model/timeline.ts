import { writeFile } from 'node:fs/promises';
import { emitProgress } from './events.ts';

/** One observed change of a monitored behaviour. Times are epoch milliseconds. */
export interface Transition {
  /** When the check decided (after processing the event). */
  at: number;
  /** When the watch event that caused it arrived, for detection-latency figures. */
  observedAt: number;
  check: string;
  ok: boolean;
  /** Names the object and the expectation: "EndpointSlices of web/api list 2 of 3 ready pods". */
  detail: string;
}

/** When a fault was on, for one target. Epoch milliseconds. */
export interface FaultWindow {
  fault: string;
  target: string;
  injectedAt: number;
  revertedAt?: number;
}

/** One request of a continuous prober (API availability, a Service): latency and outcome. */
export interface ProbeSample {
  at: number;
  latencyMs: number;
  ok: boolean;
  error?: string;
}

/** What one conformance monitor saw during a scenario: how long its behaviour was broken, and how it ended. */
export interface MonitorOutcome {
  check: string;
  /** Total time the verdict was "broken" after every monitor was first healthy. */
  brokenMs: number;
  longestBrokenMs: number;
  /** How many times it went from ok to broken. */
  breaks: number;
  okAtEnd: boolean;
  /** The last detail the monitor gave (names the object and the expectation). */
  lastDetail: string;
  /** What the monitor said when the first break began (undefined without a break). */
  firstBreakDetail?: string;
}

/** A named moment worth showing: "leader moved to ...", "replacement Ready". */
export interface TimelineMark {
  at: number;
  what: string;
}

/**
 * Everything one scenario observed, in one place and one clock (epoch ms): fault windows, every monitor
 * transition, prober samples and marks. Saved as JSON in the run directory for reports and charts.
 */
export class Timeline {
  readonly startedAt = Date.now();
  readonly faults: FaultWindow[] = [];
  readonly transitions: Transition[] = [];
  readonly probes: Record<string, ProbeSample[]> = {};
  readonly marks: TimelineMark[] = [];
  /** Set when the scenario ran conformance monitors. */
  monitorOutcomes?: MonitorOutcome[];
  /** Each load's SLO table as text lines (server SLI and client view), by load name. */
  readonly sloTables: Record<string, string[]> = {};

  constructor(readonly scenario: string) {}

  faultOn(fault: string, target: string): FaultWindow {
    const window = { fault, target, injectedAt: Date.now() };
    this.faults.push(window);
    emitProgress({ event: 'fault-on', scenario: this.scenario, fault, target });
    return window;
  }

  faultOff(window: FaultWindow): void {
    if (window.revertedAt !== undefined) return;
    window.revertedAt = Date.now();
    const { fault, target } = window;
    const heldMs = window.revertedAt - window.injectedAt;
    emitProgress({ event: 'fault-off', scenario: this.scenario, fault, target, heldMs });
  }

  transition(t: Transition): void {
    this.transitions.push(t);
  }

  mark(what: string, at = Date.now()): void {
    this.marks.push({ at, what });
  }

  probeSeries(name: string): ProbeSample[] {
    this.probes[name] ??= [];
    return this.probes[name];
  }

  async save(file: string): Promise<void> {
    const body = {
      scenario: this.scenario,
      startedAt: this.startedAt,
      finishedAt: Date.now(),
      faults: this.faults,
      transitions: this.transitions,
      probes: this.probes,
      marks: this.marks,
      monitorOutcomes: this.monitorOutcomes,
      sloTables: this.sloTables,
    };
    await writeFile(file, `${JSON.stringify(body, null, 2)}\n`);
  }
}

/** Share of successful samples in [from, to]; 1 when there were none. */
export function availability(samples: ProbeSample[], from = 0, to = Number.POSITIVE_INFINITY): number {
  const inWindow = samples.filter((s) => s.at >= from && s.at <= to);
  return inWindow.length === 0 ? 1 : inWindow.filter((s) => s.ok).length / inWindow.length;
}

/** The longest run of consecutive failed samples, as the time from its first failure to the next success. */
export function longestOutageMs(samples: ProbeSample[]): number {
  let longest = 0;
  let start: number | undefined;
  for (const s of samples) {
    if (!s.ok) start ??= s.at;
    else if (start !== undefined) {
      longest = Math.max(longest, s.at - start);
      start = undefined;
    }
  }
  if (start !== undefined) longest = Math.max(longest, (samples.at(-1)?.at ?? start) - start);
  return longest;
}
