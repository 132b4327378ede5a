import { mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { execa } from 'execa';
import { ExitCode, GauntletError } from '../src/errors.ts';
import { repoRoot } from '../src/repo-root.ts';

/** Allure 3's CLI (npm `allure`, no Java). Its package exports no programmatic generate, so its bin is run. */
const allureCli = join(repoRoot, 'node_modules', 'allure', 'cli.js');

/** Where trends across runs are kept by default: beside the run directories (reports/out/history.jsonl). */
export const defaultHistoryFile = (runDir: string) => join(dirname(resolve(runDir)), 'history.jsonl');

export interface BuiltReport {
  dir: string;
  index: string;
  historyFile: string;
  buildMs: number;
}

/**
 * Builds the HTML report of a run directory (<run dir>/allure-results -> <run dir>/report) with Allure Report 3's
 * default "awesome" report, appending the run to the history file so later reports show trends.
 */
export async function buildReport(runDir: string, o: { historyFile?: string } = {}): Promise<BuiltReport> {
  const run = resolve(runDir);
  const results = join(run, 'allure-results');
  if (!(await stat(results).catch(() => undefined))?.isDirectory())
    throw new GauntletError(
      `${run}: no allure-results directory (is it a gauntlet run directory?)`,
      ExitCode.Usage,
    );
  const output = join(run, 'report');
  const historyFile = resolve(o.historyFile ?? defaultHistoryFile(run));
  // The config is a file because history, report name and plugin options have no CLI flags.
  const configDir = await mkdtemp(join(tmpdir(), 'gauntlet-allure-'));
  const config = join(configDir, 'allurerc.json');
  const name = `gauntlet ${basename(run)}`;
  await writeFile(
    config,
    JSON.stringify({
      name,
      output,
      historyPath: historyFile,
      // Grouped by the mocha describe() titles (parentSuite/suite/subSuite), not by file path.
      plugins: {
        awesome: {
          options: { reportName: name, singleFile: false, groupBy: ['parentSuite', 'suite', 'subSuite'] },
        },
      },
    }),
  );
  await dropFromHistory(historyFile, name);
  const started = Date.now();
  // A fresh directory: over an existing report Allure nests the new one in a per-plugin subdirectory.
  await rm(output, { recursive: true, force: true });
  try {
    const result = await execa(
      process.execPath,
      [allureCli, 'generate', results, '--config', config, '--output', output],
      {
        cwd: run,
        reject: false,
        stdin: 'ignore',
        env: { NO_COLOR: '1' },
        timeout: 300_000,
      },
    );
    if (result.exitCode !== 0)
      throw new GauntletError(
        `allure generate failed (exit ${result.exitCode}):\n${result.stderr || result.stdout}`,
        ExitCode.Infrastructure,
      );
  } finally {
    await rm(configDir, { recursive: true, force: true });
  }
  return { dir: output, index: join(output, 'index.html'), historyFile, buildMs: Date.now() - started };
}

/** A rebuilt run replaces its history entry instead of adding a second point to the trends. */
async function dropFromHistory(file: string, reportName: string): Promise<void> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return;
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const kept = lines.filter((l) => {
    try {
      return (JSON.parse(l) as { name?: string }).name !== reportName;
    } catch {
      return true; // not ours to judge: keep it
    }
  });
  if (kept.length === lines.length) return;
  await writeFile(`${file}.tmp`, kept.map((l) => `${l}\n`).join(''));
  await rename(`${file}.tmp`, file);
}
