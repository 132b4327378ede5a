import { build, type Histogram } from 'hdr-histogram-js';

/** The SLO class a client operation is judged in, with the bound (seconds) that applies to it. */
export type SloClass = 'mutating' | 'resource-read' | 'namespace-read' | 'cluster-read' | 'watch-open';

/** One request as the client saw it: due time and end on the performance.now() clock (ms). */
export interface RequestOutcome {
  op: string;
  sloClass: SloClass;
  dueAt: number;
  sentAt: number;
  endedAt: number;
  ok: boolean;
  /** HTTP status, or the connection error's code. */
  status: string;
}

export interface OperationFigures {
  op: string;
  sloClass: SloClass;
  boundMs: number;
  requests: number;
  failed: number;
  /** Answered, but slower than the class bound. */
  slow: number;
  /** Sent more than 5 ms after their due time (the generator could not keep up). */
  late: number;
  /** From due time to the answer or the failure, every request included. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** The first failures' statuses with their counts, e.g. {"ECONNREFUSED": 12, "503": 1}. */
  errors: Record<string, number>;
}

export interface ClientFigures {
  requests: number;
  /** Within their bound and successful, over all requests. */
  availability: number;
  objective: number;
  /** Allowed bad requests (1 - objective) x requests, and how many there were. */
  errorBudget: { allowed: number; spent: number };
  /**
   * The longest span (ms) from a bad request's due time (failed, or slower than its bound) to the end of the next
   * good one: the client's outage.
   */
  longestOutageMs: number;
  sendLagP99Ms: number;
  operations: OperationFigures[];
}

const LATE_MS = 5;

/** Every request's outcome, per operation, in HDR histograms (microseconds, 3 significant digits). */
export class ClientView {
  private readonly ops = new Map<
    string,
    { sloClass: SloClass; latency: Histogram; figures: OperationFigures }
  >();
  private readonly sendLag = build({ lowestDiscernibleValue: 1, numberOfSignificantValueDigits: 3 });
  private failedSince: number | undefined;
  private longestOutage = 0;
  private lastEndedAt = 0;
  /** Outcomes are recorded as they end; kept sorted by end only as far as outage spans need. */
  private readonly timelineHook: ((o: RequestOutcome) => void) | undefined;

  constructor(
    private readonly boundsMs: Record<SloClass, number>,
    private readonly objective: number,
    onOutcome?: (o: RequestOutcome) => void,
  ) {
    this.timelineHook = onOutcome;
  }

  record(o: RequestOutcome): void {
    let entry = this.ops.get(o.op);
    if (!entry) {
      const boundMs = this.boundsMs[o.sloClass];
      entry = {
        sloClass: o.sloClass,
        latency: build({ lowestDiscernibleValue: 1, numberOfSignificantValueDigits: 3 }),
        figures: {
          op: o.op,
          sloClass: o.sloClass,
          boundMs,
          requests: 0,
          failed: 0,
          slow: 0,
          late: 0,
          p50Ms: 0,
          p99Ms: 0,
          maxMs: 0,
          errors: {},
        },
      };
      this.ops.set(o.op, entry);
    }
    const f = entry.figures;
    const latencyMs = o.endedAt - o.dueAt;
    const lagMs = o.sentAt - o.dueAt;
    f.requests++;
    entry.latency.recordValue(Math.max(1, Math.round(latencyMs * 1000)));
    this.sendLag.recordValue(Math.max(1, Math.round(lagMs * 1000)));
    this.lastEndedAt = Math.max(this.lastEndedAt, o.endedAt);
    if (lagMs > LATE_MS) f.late++;
    if (!o.ok) {
      f.failed++;
      if (Object.keys(f.errors).length < 8 || f.errors[o.status] !== undefined)
        f.errors[o.status] = (f.errors[o.status] ?? 0) + 1;
    } else if (latencyMs > f.boundMs) f.slow++;
    if (!o.ok || latencyMs > f.boundMs) this.failedSince = Math.min(this.failedSince ?? o.dueAt, o.dueAt);
    else {
      if (this.failedSince !== undefined) {
        this.longestOutage = Math.max(this.longestOutage, o.endedAt - this.failedSince);
        this.failedSince = undefined;
      }
    }
    this.timelineHook?.(o);
  }

  figures(): ClientFigures {
    const operations = [...this.ops.values()].map(({ latency, figures }) => ({
      ...figures,
      p50Ms: latency.getValueAtPercentile(50) / 1000,
      p99Ms: latency.getValueAtPercentile(99) / 1000,
      maxMs: latency.maxValue / 1000,
    }));
    const requests = operations.reduce((n, o) => n + o.requests, 0);
    const bad = operations.reduce((n, o) => n + o.failed + o.slow, 0);
    return {
      requests,
      availability: requests === 0 ? 1 : (requests - bad) / requests,
      objective: this.objective,
      errorBudget: { allowed: Math.floor((1 - this.objective) * requests), spent: bad },
      // An outage still open at the end lasts until the last answer.
      longestOutageMs: Math.round(
        Math.max(
          this.longestOutage,
          this.failedSince === undefined ? 0 : this.lastEndedAt - this.failedSince,
        ),
      ),
      sendLagP99Ms: this.sendLag.getValueAtPercentile(99) / 1000,
      operations: operations.sort((a, b) => a.op.localeCompare(b.op)),
    };
  }
}
