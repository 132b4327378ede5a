import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProvisionedCluster } from '../src/model/cluster.ts';
import type { SuiteOutcome } from '../src/model/outcome.ts';
import { runScenarioFigures, type ScenarioFigures } from './scenario-figures.ts';
import { type RunVersions, runVersions } from './versions.ts';

/** The machine-readable verdict of a run: what CI reads, beside junit.xml, in the run directory. */
export interface RunSummary {
  runId: string;
  startedAt: string;
  finishedAt: string;
  verdict: 'passed' | 'failed' | 'error';
  cluster?: { name: string; provisioner: string; versions?: Record<string, string> };
  /** Versions of the cluster's components and of the harness's tools. */
  versions: RunVersions;
  /** Per chaos scenario: fault windows, recovery times, prober SLO figures, the load's SLO table (server SLI and client view). */
  scenarios: ScenarioFigures[];
}

export async function writeSummary(
  outDir: string,
  run: { runId: string; startedAt: Date; cluster?: ProvisionedCluster; outcome?: SuiteOutcome },
): Promise<string> {
  const { cluster, outcome } = run;
  const summary: RunSummary & Partial<SuiteOutcome> = {
    runId: run.runId,
    startedAt: run.startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    verdict: outcome ? (outcome.failed > 0 ? 'failed' : 'passed') : 'error',
    ...(cluster
      ? {
          cluster: {
            name: cluster.name,
            provisioner: cluster.provisioner,
            versions: cluster.local?.versions,
          },
        }
      : {}),
    versions: await runVersions(cluster),
    scenarios: await runScenarioFigures(outDir),
    ...outcome,
  };
  const file = join(outDir, 'summary.json');
  await writeFile(file, `${JSON.stringify(summary, null, 2)}\n`);
  return file;
}
