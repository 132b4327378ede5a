import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { ExitCode, GauntletError } from '../../src/errors.ts';
import { progress } from '../../src/log.ts';

export interface ReportFlags {
  history?: string;
  out?: string;
}

/**
 * The newest run directory under the parent of run directories (run ids sort by time) that holds results:
 * a directory a refused or interrupted command left without allure-results is passed over.
 */
async function latestRun(parent: string): Promise<string> {
  const runs = (await readdir(parent, { withFileTypes: true }).catch(() => []))
    .filter((e) => e.isDirectory() && /^\d{8}-\d{6}-/.test(e.name))
    .map((e) => e.name)
    .sort()
    .reverse();
  for (const run of runs) {
    const results = await stat(join(parent, run, 'allure-results')).catch(() => undefined);
    if (results?.isDirectory()) return join(parent, run);
  }
  throw new GauntletError(
    runs.length === 0
      ? `no run directories under ${parent}; give one: gauntlet report <run-dir>`
      : `no run directory under ${parent} holds results (${runs.length} without allure-results); give one: gauntlet report <run-dir>`,
    ExitCode.Usage,
  );
}

export function reportCommand(): Command {
  return new Command('report')
    .description(
      'build the HTML report (Allure Report 3) of a run directory into <run-dir>/report, with trends',
    )
    .argument('[run-dir]', 'a run directory (default: the newest under --out)')
    .option('--out <dir>', 'parent directory of run directories', 'reports/out')
    .option(
      '--history <file>',
      'history file kept across runs for trends (default: history.jsonl beside the run directories)',
    )
    .action(async (runDir: string | undefined, flags: ReportFlags) => {
      // Loaded on demand, like run: the report builder is not needed by other commands.
      const { buildReport } = await import('../../reports/allure-report.ts');
      const { appendStepSummary } = await import('../../reports/step-summary.ts');
      const dir = runDir ? resolve(runDir) : await latestRun(resolve(flags.out ?? 'reports/out'));
      const log = progress();
      log.step(`building the report of ${dir}`);
      const report = await buildReport(dir, flags.history ? { historyFile: flags.history } : {});
      log.step(`report built in ${(report.buildMs / 1000).toFixed(1)} s (history ${report.historyFile})`);
      if (await appendStepSummary(dir, report.index)) log.step('summary appended to $GITHUB_STEP_SUMMARY');
      process.stdout.write(`${report.index}\n`);
    });
}
