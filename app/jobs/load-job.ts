import { resolve } from 'node:path';
import { ExitCode } from '../../src/errors.ts';
import { progress } from '../../src/log.ts';
import { newRunId } from '../../src/model/run-id.ts';
import { loadApiDefinition } from '../../src/observe/load/load-definition.ts';
import { sloTableFile, startApiLoad } from '../../src/observe/load/scenario-load.ts';
import { formatSloTable } from '../../src/observe/load/slo-table.ts';
import { type LoadTargetFlags, loadTargetCluster } from './load-target-cluster.ts';

/** What `gauntlet load api` is asked to do; the CLI maps its flags onto this. */
export interface LoadApiOptions extends LoadTargetFlags {
  /** Overrides the kubeconfig's server (e.g. one member of an HA control plane). */
  apiserver?: string;
  file?: string;
  set: string[];
  out?: string;
}

/** `gauntlet load api`: the SLO table on stdout and in <out>/<run id>/load/api.json, the verdict as exit code. */
export async function loadApiJob(flags: LoadApiOptions): Promise<void> {
  const definition = await loadApiDefinition(flags.file ? resolve(flags.file) : undefined, flags.set);
  const cluster = await loadTargetCluster(flags);
  const runId = newRunId('load-');
  const runDir = resolve(flags.out ?? 'reports/out', runId);
  const log = progress();
  log.step(`load api: ${definition.durationSeconds} s against ${cluster.kubeconfig}`);
  const result = await startApiLoad({
    cluster,
    runId,
    runDir,
    file: 'api',
    definition,
    ...(flags.apiserver ? { apiServer: flags.apiserver } : {}),
  }).result;
  process.stdout.write(`${formatSloTable(result).join('\n')}\n`);
  for (const failure of result.failures) process.stdout.write(`FAILED ${failure}\n`);
  log.step(`load api: ${result.verdict}; SLO table ${sloTableFile(runDir, 'api')}`);
  process.exitCode = result.verdict === 'passed' ? ExitCode.Passed : ExitCode.CheckFailed;
}
