import type {
  FaultWindow,
  MonitorOutcome,
  ProbeSample,
  TimelineMark,
  Transition,
} from '../src/model/timeline.ts';

/** A scenario timeline as saved in <run dir>/timelines/<scenario>.json (epoch milliseconds throughout). */
export interface TimelineData {
  scenario: string;
  startedAt: number;
  finishedAt: number;
  faults: FaultWindow[];
  transitions: Transition[];
  probes: Record<string, ProbeSample[]>;
  marks: TimelineMark[];
  monitorOutcomes?: MonitorOutcome[];
  /** Each load's SLO table as text lines (server SLI and client view), by load name. */
  sloTables?: Record<string, string[]>;
}

/** Geometry, exported so tests can compute where an element must be. */
export const chart = {
  width: 960,
  labelWidth: 200,
  rightPad: 20,
  top: 28,
  laneHeight: 22,
  laneGap: 6,
  probeHeight: 90,
  axisHeight: 30,
  sloLineHeight: 13,
};

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const r1 = (n: number) => Math.round(n * 10) / 10;

/** The x pixel of a moment: the plot spans [startedAt, finishedAt] linearly. */
export function xOf(t: TimelineData, at: number): number {
  const span = Math.max(1, t.finishedAt - t.startedAt);
  const plot = chart.width - chart.labelWidth - chart.rightPad;
  const clamped = Math.min(Math.max(at, t.startedAt), t.finishedAt);
  return r1(chart.labelWidth + ((clamped - t.startedAt) / span) * plot);
}

/** Each check's verdict as intervals: from one transition to the next, the last one until the end. */
export function monitorIntervals(
  t: TimelineData,
): Map<string, { from: number; to: number; ok: boolean; detail: string }[]> {
  const byCheck = new Map<string, Transition[]>();
  for (const tr of [...t.transitions].sort((a, b) => a.at - b.at)) {
    byCheck.set(tr.check, [...(byCheck.get(tr.check) ?? []), tr]);
  }
  const lanes = new Map<string, { from: number; to: number; ok: boolean; detail: string }[]>();
  for (const [check, list] of byCheck) {
    lanes.set(
      check,
      list.map((tr, i) => ({
        from: tr.at,
        to: list[i + 1]?.at ?? t.finishedAt,
        ok: tr.ok,
        detail: tr.detail,
      })),
    );
  }
  return lanes;
}

/**
 * Renders a timeline as a dependency-free SVG: fault windows as shaded bands over the whole height, one lane per
 * monitored check (green while it held, red while it failed), one latency plot per prober with its failed
 * requests as red ticks, marks as dashed lines, and a time axis in seconds since the scenario started. Every
 * element carries its data (data-* attributes, <title>) so the chart is inspectable and testable.
 */
export function renderTimelineSvg(t: TimelineData): string {
  const lanes = monitorIntervals(t);
  const probeNames = Object.keys(t.probes).filter((n) => (t.probes[n]?.length ?? 0) > 0);
  const lanesTop = chart.top;
  const probesTop = lanesTop + lanes.size * (chart.laneHeight + chart.laneGap);
  const axisTop = probesTop + probeNames.length * (chart.probeHeight + chart.laneGap);
  const sloLines = Object.entries(t.sloTables ?? {}).flatMap(([load, lines]) => [
    `SLO table: ${load}`,
    ...lines,
  ]);
  const sloTop = axisTop + chart.axisHeight;
  const height = sloTop + sloLines.length * chart.sloLineHeight + (sloLines.length ? 6 : 0);
  const right = chart.width - chart.rightPad;
  const body: string[] = [];

  let y = lanesTop;
  for (const [check, intervals] of lanes) {
    body.push(
      `<text x="${chart.labelWidth - 6}" y="${y + chart.laneHeight / 2 + 4}" font-size="12" text-anchor="end">${esc(check)}</text>`,
    );
    for (const iv of intervals) {
      const x1 = xOf(t, iv.from);
      body.push(
        `<rect class="lane ${iv.ok ? 'ok' : 'failed'}" data-check="${esc(check)}" data-from="${iv.from}" data-to="${iv.to}" x="${x1}" y="${y}" width="${r1(xOf(t, iv.to) - x1)}" height="${chart.laneHeight}" fill="${iv.ok ? '#2a9d8f' : '#e63946'}"><title>${esc(`${iv.ok ? 'held' : 'failed'}: ${iv.detail}`)}</title></rect>`,
      );
    }
    y += chart.laneHeight + chart.laneGap;
  }

  for (const name of probeNames) {
    const samples = [...(t.probes[name] ?? [])].sort((a, b) => a.at - b.at);
    const maxMs = Math.max(1, ...samples.map((s) => s.latencyMs));
    const yOf = (ms: number) => r1(y + chart.probeHeight - (ms / maxMs) * (chart.probeHeight - 12));
    const failed = samples.filter((s) => !s.ok);
    body.push(
      `<text x="${chart.labelWidth - 6}" y="${y + chart.probeHeight / 2}" font-size="12" text-anchor="end">${esc(name)} latency</text>`,
      `<text x="${chart.labelWidth - 6}" y="${y + chart.probeHeight / 2 + 14}" font-size="10" text-anchor="end" fill="#666">max ${Math.round(maxMs)} ms, ${failed.length}/${samples.length} failed</text>`,
      `<rect x="${chart.labelWidth}" y="${y}" width="${right - chart.labelWidth}" height="${chart.probeHeight}" fill="none" stroke="#ccc"/>`,
      `<polyline class="probe-latency" data-probe="${esc(name)}" fill="none" stroke="#264653" stroke-width="1" points="${samples
        .filter((s) => s.ok)
        .map((s) => `${xOf(t, s.at)},${yOf(s.latencyMs)}`)
        .join(' ')}"/>`,
    );
    for (const s of failed) {
      const x = xOf(t, s.at);
      body.push(
        `<line class="probe-error" data-probe="${esc(name)}" data-at="${s.at}" x1="${x}" x2="${x}" y1="${y}" y2="${y + chart.probeHeight}" stroke="#e63946" stroke-opacity="0.6"><title>${esc(s.error ?? 'failed')}</title></line>`,
      );
    }
    y += chart.probeHeight + chart.laneGap;
  }

  // Drawn over the lanes and plots, translucent, so the window shows across every row.
  for (const f of t.faults) {
    const x1 = xOf(t, f.injectedAt);
    const x2 = xOf(t, f.revertedAt ?? t.finishedAt);
    const label = `${f.fault} on ${f.target}`;
    body.push(
      `<rect class="fault-band" data-fault="${esc(f.fault)}" data-from="${f.injectedAt}" data-to="${f.revertedAt ?? ''}" x="${x1}" y="${chart.top - 4}" width="${r1(x2 - x1)}" height="${axisTop - chart.top + 4}" fill="#f4a261" fill-opacity="0.25"><title>${esc(label)}</title></rect>`,
      `<text x="${x1 + 2}" y="${chart.top - 8}" font-size="11" fill="#b5651d">${esc(label)}</text>`,
    );
  }

  for (const m of t.marks) {
    const x = xOf(t, m.at);
    body.push(
      `<line class="mark" data-at="${m.at}" x1="${x}" x2="${x}" y1="${chart.top}" y2="${axisTop}" stroke="#555" stroke-dasharray="3,3"><title>${esc(m.what)}</title></line>`,
    );
  }

  // Axis: at most about 8 ticks, at round seconds.
  const spanS = (t.finishedAt - t.startedAt) / 1000;
  const step =
    [1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600].find((n) => spanS / n <= 8) ?? Math.ceil(spanS / 8);
  body.push(`<line x1="${chart.labelWidth}" x2="${right}" y1="${axisTop}" y2="${axisTop}" stroke="#333"/>`);
  for (let s = 0; s <= spanS; s += step) {
    const x = xOf(t, t.startedAt + s * 1000);
    body.push(
      `<line x1="${x}" x2="${x}" y1="${axisTop}" y2="${axisTop + 4}" stroke="#333"/>`,
      `<text class="tick" x="${x}" y="${axisTop + 16}" font-size="10" text-anchor="middle">${s} s</text>`,
    );
  }

  // The SLO table under the axis, so the chart alone says whether the load's SLOs held.
  sloLines.forEach((line, i) => {
    const failed = line.startsWith('FAILED') || line === 'verdict: slo-failed';
    body.push(
      `<text class="slo-line" x="6" y="${sloTop + (i + 1) * chart.sloLineHeight}" font-size="10" font-family="monospace" fill="${failed ? '#e63946' : '#333'}" xml:space="preserve">${esc(line)}</text>`,
    );
  });

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${chart.width}" height="${height}" viewBox="0 0 ${chart.width} ${height}" font-family="sans-serif">`,
    `<title>${esc(`timeline of ${t.scenario}`)}</title>`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="6" y="14" font-size="13" font-weight="bold">${esc(t.scenario)}</text>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
