import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ScenarioFigures } from './scenario-figures.ts';
import type { RunSummary } from './summary.ts';

type Summary = RunSummary & {
  passed?: number;
  failed?: number;
  broken?: number;
  skipped?: number;
  warnings?: string[];
  tests?: { suite: string; title: string; state: string; error?: string; reason?: string; hook?: string }[];
};

const seconds = (ms: number | undefined) => (ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`);
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');

/** A short Markdown account of a run: verdict, counts, failed tests, recovery per scenario. */
export function stepSummaryMarkdown(s: Summary, reportPath?: string): string {
  const icon = s.verdict === 'passed' ? '✅' : s.verdict === 'nothing-tested' ? '⚠️' : '❌';
  const lines = [
    `### ${icon} gauntlet run \`${s.runId}\`: ${s.verdict}`,
    '',
    `${s.passed ?? 0} passed, ${s.failed ?? 0} failed, ${s.broken ?? 0} broken, ${s.skipped ?? 0} skipped`,
  ];
  const list = (
    heading: string,
    state: string,
    detail: (t: NonNullable<Summary['tests']>[number]) => string,
  ) => {
    const tests = (s.tests ?? []).filter((t) => t.state === state);
    if (tests.length === 0) return;
    lines.push('', `**${heading}**`, '');
    for (const t of tests) {
      const d = detail(t);
      lines.push(`- ${cell(`${t.suite} ${t.title}`)}${d ? `: ${cell(d).slice(0, 300)}` : ''}`);
    }
  };
  const cause = (t: { error?: string; hook?: string }) => `${t.hook ? `${t.hook}: ` : ''}${t.error ?? ''}`;
  list('Failed (cluster behaviour)', 'failed', cause);
  list('Broken (harness errors)', 'broken', cause);
  list('Skipped', 'skipped', (t) => t.reason ?? 'no reason given');
  if (s.preflight?.length) {
    lines.push('', '**Preflight findings**', '');
    for (const p of s.preflight) lines.push(`- ${cell(p)}`);
  }
  if (s.warnings?.length) {
    lines.push('', '**Warnings**', '');
    for (const w of s.warnings) lines.push(`- ${cell(w)}`);
  }
  if (s.scenarios?.length) {
    lines.push(
      '',
      '| scenario | fault | recovered | time to recover | after revert | API availability | longest outage |',
      '| --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const sc of s.scenarios as ScenarioFigures[]) {
      const api = sc.slo.api;
      lines.push(
        `| ${cell(sc.scenario)} | ${cell(sc.faults.map((f) => `${f.fault} (${seconds(f.durationMs)})`).join(', ') || '-')} | ${sc.recovery.recovered ? 'yes' : '**no**'} | ${seconds(sc.recovery.timeToRecoverMs)} | ${seconds(sc.recovery.afterRevertMs)} | ${api ? `${(api.availability * 100).toFixed(2)} %` : '-'} | ${api ? seconds(api.longestOutageMs) : '-'} |`,
      );
    }
  }
  if (reportPath) lines.push('', `Report: \`${reportPath}\``);
  return `${lines.join('\n')}\n\n`;
}

/** Appends the run's summary to $GITHUB_STEP_SUMMARY when GitHub Actions provides one; returns whether it did. */
export async function appendStepSummary(runDir: string, reportPath?: string): Promise<boolean> {
  const file = process.env.GITHUB_STEP_SUMMARY;
  if (!file) return false;
  const summary = JSON.parse(await readFile(join(runDir, 'summary.json'), 'utf8')) as Summary;
  await appendFile(file, stepSummaryMarkdown(summary, reportPath));
  return true;
}
