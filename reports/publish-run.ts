import type { Progress } from '../src/log.ts';
import { buildReport } from './allure-report.ts';
import { appendStepSummary } from './step-summary.ts';

/**
 * The end of every `gauntlet run`: the HTML report (about a second for a run's results) and, on GitHub Actions,
 * the step summary. Neither may change the run's verdict, so failures are reported and swallowed.
 */
export async function publishRun(runDir: string, log: Progress): Promise<string | undefined> {
  let index: string | undefined;
  try {
    const report = await buildReport(runDir);
    index = report.index;
    log.step(`HTML report built in ${(report.buildMs / 1000).toFixed(1)} s (history ${report.historyFile})`);
  } catch (error) {
    log.step(`the HTML report could not be built: ${(error as Error).message}`);
  }
  try {
    if (await appendStepSummary(runDir, index)) log.step('summary appended to $GITHUB_STEP_SUMMARY');
  } catch (error) {
    log.step(`$GITHUB_STEP_SUMMARY not written: ${(error as Error).message}`);
  }
  return index;
}
