import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { attachLocalCluster } from '../../clusters/provision.ts';
import { ConfigError, ExitCode } from '../../src/errors.ts';
import { progress } from '../../src/log.ts';
import { newRunId } from '../../src/model/run-id.ts';
import { runK6 } from '../../src/observe/load/k6.ts';
import { describeTrends } from '../../src/observe/load/k6-summary.ts';
import { k6Script } from '../../src/observe/load/scenario-load.ts';

/** What `gauntlet load` is asked to do; the CLI maps its flags onto this. */
export interface LoadJobOptions {
  cluster?: string;
  kubeconfig?: string;
  context?: string;
  out?: string;
  env: string[];
}

/** `gauntlet load`: one k6 script, its summary in <out>/<run id>/k6/, thresholds on stdout, verdict as exit code. */
export async function loadJob(script: string, flags: LoadJobOptions): Promise<void> {
  const file = k6Script(script);
  await access(file).catch(() => {
    throw new ConfigError(`load: no k6 script ${file}`);
  });
  const env: Record<string, string> = {};
  for (const setting of flags.env) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(setting);
    if (!m?.[1]) throw new ConfigError(`load: --env expects KEY=VALUE, got "${setting}"`);
    env[m[1]] = m[2] ?? '';
  }
  if (flags.cluster && flags.kubeconfig)
    throw new ConfigError('load: give --cluster or --kubeconfig, not both');
  const kubeconfig = flags.kubeconfig
    ? { path: resolve(flags.kubeconfig), ...(flags.context ? { context: flags.context } : {}) }
    : flags.cluster
      ? { path: (await attachLocalCluster(flags.cluster)).kubeconfig }
      : undefined;
  const runId = newRunId('load-');
  const name = file.replace(/^.*\//, '').replace(/\.js$/, '');
  const summaryFile = resolve(flags.out ?? 'reports/out', runId, 'k6', `${name}.summary.json`);
  const log = progress();
  log.step(`k6 ${name}: running ${file}${kubeconfig ? ` against ${kubeconfig.path}` : ''}`);
  const result = await runK6({
    script: file,
    summaryFile,
    env: { GAUNTLET_K6_RUN_ID: runId, ...env },
    ...(kubeconfig ? { kubeconfig } : {}),
  });
  const lines = result.summary.thresholds.map(
    (t) => `${t.ok ? 'ok    ' : 'FAILED'} ${t.metric} ${t.expression}`,
  );
  process.stdout.write(`${[...lines, ...describeTrends(result.summary, /./)].join('\n')}\n`);
  log.step(`k6 ${name}: ${result.verdict}; summary ${summaryFile}, k6 output ${result.logFile}`);
  process.exitCode = result.verdict === 'passed' ? ExitCode.Passed : ExitCode.CheckFailed;
}
