/**
 * The buckets of apiserver_request_sli_duration_seconds from a Prometheus text exposition, read as a stream:
 * /metrics is several MB and this keeps only that metric's bucket lines, summed over the labels the SLOs do not
 * distinguish (group, version, component). Key: "VERB resource/subresource scope"; value: upper bound -> count.
 */
export type SliBuckets = Map<string, SliSeries>;

export interface SliSeries {
  verb: string;
  resource: string;
  subresource: string;
  scope: string;
  /** Cumulative counts by upper bound (seconds); +Inf is Number.POSITIVE_INFINITY. */
  buckets: Map<number, number>;
}

const METRIC = 'apiserver_request_sli_duration_seconds_bucket{';
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function sliKey(s: Pick<SliSeries, 'verb' | 'resource' | 'subresource' | 'scope'>): string {
  return `${s.verb} ${s.resource}${s.subresource ? `/${s.subresource}` : ''} ${s.scope}`;
}

/** Adds one exposition line to the buckets when it is an SLI bucket line; everything else is ignored. */
export function addSliLine(into: SliBuckets, line: string): void {
  if (!line.startsWith(METRIC)) return;
  const close = line.lastIndexOf('}');
  if (close < 0) return;
  const labels: Record<string, string> = {};
  for (const m of line.slice(METRIC.length, close).matchAll(LABEL))
    labels[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  const value = Number(
    line
      .slice(close + 1)
      .trim()
      .split(/\s+/)[0],
  );
  const le = labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(labels.le);
  if (!Number.isFinite(value) || Number.isNaN(le)) return;
  const series = {
    verb: labels.verb ?? '',
    resource: labels.resource ?? '',
    subresource: labels.subresource ?? '',
    scope: labels.scope ?? '',
  };
  const key = sliKey(series);
  let entry = into.get(key);
  if (!entry) {
    entry = { ...series, buckets: new Map() };
    into.set(key, entry);
  }
  entry.buckets.set(le, (entry.buckets.get(le) ?? 0) + value);
}

/**
 * Reads an exposition from chunks (a response body, a file stream), line by line, keeping only SLI buckets.
 * Buffered chunks come through microtasks only, so it yields to the event loop after each one: a load's timers
 * must not wait for the whole body (hundreds of ms for several MB).
 */
export async function parseSliStream(chunks: AsyncIterable<Buffer | string>): Promise<SliBuckets> {
  const into: SliBuckets = new Map();
  let rest = '';
  for await (const chunk of chunks) {
    await new Promise((resolve) => setImmediate(resolve));
    const text = rest + (typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
    const lines = text.split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) addSliLine(into, line);
  }
  addSliLine(into, rest);
  return into;
}

export function parseSliText(text: string): SliBuckets {
  const into: SliBuckets = new Map();
  for (const line of text.split('\n')) addSliLine(into, line);
  return into;
}
