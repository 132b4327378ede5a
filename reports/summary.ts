import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProvisionedCluster } from '../src/model/cluster.ts';
import type { ClusterCapabilities } from '../src/model/cluster-capabilities.ts';
import { nothingTested, type SuiteOutcome, sharedCauses } from '../src/model/outcome.ts';
import { runScenarioFigures, type ScenarioFigures } from './scenario-figures.ts';
import { type RunVersions, runVersions } from './versions.ts';

/** The machine-readable verdict of a run: what CI reads, beside junit.xml, in the run directory. */
export interface RunSummary {
  runId: string;
  startedAt: string;
  finishedAt: string;
  /**
   * failed: the cluster failed a verdict; broken: the harness (or its access to the cluster) failed; nothing-tested:
   * no test ran or every one was skipped; error: the run ended before the suites did.
   */
  verdict: 'passed' | 'failed' | 'broken' | 'nothing-tested' | 'error';
  /** What the preflight health look found before the suites started (empty: nothing wrong). */
  preflight?: string[];
  /** What the cluster could do, as probed before the suites (decides which checks skip). */
  capabilities?: ClusterCapabilities;
  cluster?: { name: string; provisioner: string; versions?: Record<string, string> };
  /** Versions of the cluster's components and of the harness's tools. */
  versions: RunVersions;
  /** Per chaos scenario: fault windows, recovery times, prober SLO figures, the load's SLO table (server SLI and client view). */
  scenarios: ScenarioFigures[];
}

export async function writeSummary(
  outDir: string,
  run: {
    runId: string;
    startedAt: Date;
    cluster?: ProvisionedCluster;
    outcome?: SuiteOutcome;
    preflight?: string[];
    capabilities?: ClusterCapabilities;
  },
): Promise<string> {
  const { cluster, outcome } = run;
  const summary: RunSummary & Partial<SuiteOutcome> = {
    runId: run.runId,
    startedAt: run.startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    verdict: verdictOf(outcome),
    ...(run.preflight ? { preflight: run.preflight } : {}),
    ...(run.capabilities ? { capabilities: run.capabilities } : {}),
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
    ...(outcome ? { causes: sharedCauses(outcome) } : {}),
  };
  const file = join(outDir, 'summary.json');
  await writeFile(file, `${JSON.stringify(summary, null, 2)}\n`);
  return file;
}

export function verdictOf(outcome: SuiteOutcome | undefined): RunSummary['verdict'] {
  if (!outcome) return 'error';
  if (outcome.failed > 0) return 'failed';
  if (outcome.broken > 0) return 'broken';
  if (nothingTested(outcome)) return 'nothing-tested';
  return 'passed';
}
