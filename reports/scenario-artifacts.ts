import { open, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CoreV1Event } from '@kubernetes/client-node';
import { attachment } from 'allure-js-commons';
import type { RunContext } from '../src/model/run-context.ts';
import { redact } from '../src/redact.ts';
import { renderTimelineSvg, type TimelineData } from './timeline-chart.ts';

/** Context kept around the fault window: events and log lines just before and after it explain it. */
const beforeMs = 5_000;
const afterMs = 10_000;
/** Only the end of a component log is read: enough for any scenario, bounded for a long-lived cluster. */
const logTailBytes = 8 * 1024 * 1024;
/** Per-component attachment cap, so one chatty component cannot make the report huge. */
const maxLogLines = 2_000;

/**
 * Attaches what explains one chaos scenario to its Allure test (the test or after() hook that calls it) and
 * writes the chart beside the timeline: the timeline chart (SVG, also <run dir>/timelines/<scenario>.svg), the
 * timeline JSON, the Kubernetes events and component log lines of the fault window, and the load's SLO table
 * (server SLI and client view, text and JSON) when the scenario ran one. Never throws: a report artifact must not change a scenario's verdict.
 */
export async function attachScenarioArtifacts(scenario: { name: string; run: RunContext }): Promise<void> {
  const { outDir } = scenario.run;
  try {
    const json = await readFile(join(outDir, 'timelines', `${scenario.name}.json`), 'utf8');
    const timeline = JSON.parse(json) as TimelineData;
    const svg = renderTimelineSvg(timeline);
    await writeFile(join(outDir, 'timelines', `${scenario.name}.svg`), svg);
    await attachment(`timeline chart: ${scenario.name}`, svg, 'image/svg+xml');
    await attachment(`timeline: ${scenario.name}.json`, json, 'application/json');
    const window = faultWindow(timeline);
    await attachment(
      'kubernetes events (fault window)',
      await eventsText(scenario.run, window),
      'text/plain',
    );
    for (const [component, text] of await componentLogs(scenario.run, window))
      await attachment(`log: ${component} (fault window)`, text, 'text/plain');
    for (const [load, lines] of Object.entries(timeline.sloTables ?? {}))
      await attachment(`SLO table: ${load}`, `${lines.join('\n')}\n`, 'text/plain');
    const table = await readFile(join(outDir, 'load', `${scenario.name}.json`), 'utf8').catch(
      () => undefined,
    );
    if (table !== undefined) await attachment(`SLO table: ${scenario.name}.json`, table, 'application/json');
  } catch (error) {
    process.stderr.write(`gauntlet: report artifacts of ${scenario.name}: ${(error as Error).message}\n`);
  }
}

/** From the first injection to the last revert (the whole scenario when nothing was injected), with margins. */
export function faultWindow(t: TimelineData): { from: number; to: number } {
  if (t.faults.length === 0) return { from: t.startedAt, to: t.finishedAt };
  const from = Math.min(...t.faults.map((f) => f.injectedAt));
  const to = Math.max(...t.faults.map((f) => f.revertedAt ?? t.finishedAt));
  return { from: from - beforeMs, to: to + afterMs };
}

const eventTime = (e: CoreV1Event): number => {
  const t = e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata.creationTimestamp;
  return t ? new Date(t).getTime() : 0;
};

/** core/v1 Events of every namespace within the window, oldest first, one line each. */
async function eventsText(run: RunContext, window: { from: number; to: number }): Promise<string> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), 15_000);
  try {
    const list = await Promise.race([
      run.kube.core.listEventForAllNamespaces(),
      new Promise<never>((_, reject) =>
        abort.signal.addEventListener('abort', () => reject(new Error('no answer within 15 s'))),
      ),
    ]);
    const lines = list.items
      .filter((e) => eventTime(e) >= window.from && eventTime(e) <= window.to)
      .sort((a, b) => eventTime(a) - eventTime(b))
      .map((e) => {
        const o = e.involvedObject;
        const count = (e.count ?? 1) > 1 ? ` (x${e.count})` : '';
        return `${new Date(eventTime(e)).toISOString()} ${e.type ?? ''} ${e.reason ?? ''} ${o.kind}/${o.namespace ? `${o.namespace}/` : ''}${o.name}: ${e.message ?? ''}${count}`;
      });
    return redact(`${lines.length} events ${isoRange(window)}\n${lines.join('\n')}\n`);
  } catch (error) {
    return `events could not be listed: ${(error as Error).message}\n`;
  } finally {
    clearTimeout(timer);
  }
}

const isoRange = (w: { from: number; to: number }) =>
  `from ${new Date(w.from).toISOString()} to ${new Date(w.to).toISOString()}`;

/**
 * When a log line was written: an ISO timestamp near its start (etcd's JSON "ts", kwok, the supervisor), or
 * klog's header "I1122 04:36:31.123456" (local time, no year: the window's year is assumed).
 */
export function lineTime(line: string, year: number): number | undefined {
  const iso = /\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?/.exec(
    line.slice(0, 120),
  );
  if (iso) {
    const t = Date.parse(iso[0].replace(' ', 'T'));
    if (!Number.isNaN(t)) return t;
  }
  const klog = /^[IWEF](\d{2})(\d{2}) (\d{2}):(\d{2}):(\d{2})\.(\d{3})/.exec(line);
  if (klog) {
    const [, mo, d, h, mi, s, ms] = klog.map(Number) as number[];
    return new Date(year, mo! - 1, d, h, mi, s, ms).getTime();
  }
  return undefined;
}

/** Lines within the window; a line without a time (a stack trace) belongs with the line before it. */
export function sliceLog(text: string, window: { from: number; to: number }): string[] | undefined {
  const year = new Date(window.from).getFullYear();
  let current: number | undefined;
  let dated = false;
  const kept: string[] = [];
  for (const line of text.split('\n')) {
    const t = lineTime(line, year);
    if (t !== undefined) {
      current = t;
      dated = true;
    }
    if (current !== undefined && current >= window.from && current <= window.to) kept.push(line);
  }
  return dated ? kept : undefined;
}

/** Each embedded-cluster component's log lines of the window (the tail where a log has no timestamps). */
async function componentLogs(
  run: RunContext,
  window: { from: number; to: number },
): Promise<[string, string][]> {
  const local = run.cluster.local;
  if (!local) return [];
  const dir = join(local.dir, 'logs');
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.log')).sort();
  const out: [string, string][] = [];
  for (const file of files) {
    const text = await readTail(join(dir, file), logTailBytes);
    const sliced = sliceLog(text, window);
    const lines = sliced ?? text.split('\n').slice(-200);
    if (lines.length === 0 || (lines.length === 1 && lines[0] === '')) continue;
    const capped = lines.length > maxLogLines ? lines.slice(-maxLogLines) : lines;
    const head = sliced
      ? `${file}: ${lines.length} lines ${isoRange(window)}${capped.length < lines.length ? `, last ${maxLogLines} shown` : ''}`
      : `${file}: no timestamps, last ${capped.length} lines`;
    out.push([file.replace(/\.log$/, ''), redact(`${head}\n${capped.join('\n')}\n`)]);
  }
  return out;
}

async function readTail(file: string, bytes: number): Promise<string> {
  const size = (await stat(file)).size;
  const start = Math.max(0, size - bytes);
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(size - start);
    await handle.read(buffer, 0, buffer.length, start);
    const text = buffer.toString('utf8');
    // Drop a partial first line when the read started mid-file.
    return start > 0 ? text.slice(text.indexOf('\n') + 1) : text;
  } finally {
    await handle.close();
  }
}
