import { cp, mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { attachLocalCluster, provisionCluster, teardownCluster } from '../../clusters/provision.ts';
import type { ProvisionedCluster } from '../../clusters/provisioned-cluster.ts';
import { ExitCode } from '../errors.ts';
import { progress } from '../log.ts';
import { setRunContext } from '../run/run-context.ts';
import { runSuites, type SuiteOutcome } from '../run/suites.ts';
import { interruptSignal, Interrupted } from './interrupt.ts';
import { type ClusterFlags, configFromFlags, withClusterOptions } from './options.ts';

function newRunId(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${Math.random().toString(36).slice(2, 6)}`.toLowerCase();
}

interface RunFlags extends ClusterFlags {
  suite?: string[];
  cluster?: string;
  keep?: boolean;
  out?: string;
  grep?: string;
}

export function runCommand(): Command {
  return withClusterOptions(new Command('run'))
    .description('the main job: provision a cluster, run the suites, write the report, tear the cluster down')
    .option('--suite <name...>', 'suites to run (default from config: smoke)')
    .option('--cluster <name>', 'reuse this running embedded cluster instead of provisioning one (never torn down)')
    .option('--keep', 'leave the provisioned cluster running afterwards')
    .option('--out <dir>', 'parent directory of run directories (default reports/out)')
    .option('--grep <pattern>', 'only tests whose title matches, e.g. "\\[Smoke\\]"')
    .action(async (flags: RunFlags) => {
      const config = await configFromFlags(flags, { suites: flags.suite, out: flags.out, keep: flags.keep });
      const runId = newRunId();
      const outDir = resolve(config.run.out, runId);
      const log = progress();
      const interrupt = interruptSignal();
      let cluster: ProvisionedCluster | undefined;
      let outcome: SuiteOutcome | undefined;
      const started = new Date();
      try {
        await mkdir(outDir, { recursive: true });
        log.step(`run ${runId}: output in ${outDir}`);
        cluster = flags.cluster
          ? await attachLocalCluster(flags.cluster)
          : await provisionCluster(config, { progress: log, signal: interrupt.signal });
        if (interrupt.interrupted()) throw new Interrupted();
        setRunContext({ runId, config, cluster, outDir });
        log.step(`running suites: ${config.run.suites.join(', ')}`);
        outcome = await runSuites(config.run.suites, { grep: flags.grep });
        if (interrupt.interrupted()) throw new Interrupted();
      } finally {
        interrupt.dispose();
        if (cluster?.local) {
          await cp(join(cluster.local.dir, 'logs'), join(outDir, 'logs'), { recursive: true }).catch(() => undefined);
        }
        await writeFile(
          join(outDir, 'summary.json'),
          JSON.stringify(
            {
              runId,
              startedAt: started.toISOString(),
              finishedAt: new Date().toISOString(),
              cluster: cluster && {
                name: cluster.name,
                provisioner: cluster.provisioner,
                versions: cluster.local?.versions,
              },
              verdict: outcome ? (outcome.failed > 0 ? 'failed' : 'passed') : 'error',
              ...outcome,
            },
            null,
            2,
          ),
        ).catch(() => undefined);
        if (cluster && !config.cluster.keep) await teardownCluster(cluster, log);
        else if (cluster?.owned) log.step(`cluster ${cluster.name} kept running (gauntlet cluster down --name ${cluster.name})`);
      }
      log.step(`${outcome.passed} passed, ${outcome.failed} failed, ${outcome.pending} pending; summary in ${join(outDir, 'summary.json')}`);
      process.exitCode = outcome.failed > 0 ? ExitCode.CheckFailed : ExitCode.Passed;
    });
}
