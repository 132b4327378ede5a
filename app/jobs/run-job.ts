import { cp, mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { probeCapabilities } from '../../checks/capabilities-probe.ts';
import { preflight } from '../../checks/preflight.ts';
import { holdRunLease } from '../../checks/run-lease.ts';
import { attachLocalCluster, provisionCluster, teardownCluster } from '../../clusters/provision.ts';
import { pendingIn } from '../../faults/engine/ledger.ts';
import { publishRun } from '../../reports/publish-run.ts';
import { writeSummary } from '../../reports/summary.ts';
import { type ClusterOptions, configFromOptions } from '../../src/config/cluster-options.ts';
import { ConfigError, ExitCode, GauntletError } from '../../src/errors.ts';
import { progress } from '../../src/log.ts';
import type { ProvisionedCluster } from '../../src/model/cluster.ts';
import { type ClusterCapabilities, describeCapabilities } from '../../src/model/cluster-capabilities.ts';
import { emitProgress } from '../../src/model/events.ts';
import { nothingTested, type SuiteOutcome, sharedCauses } from '../../src/model/outcome.ts';
import { setRunContext } from '../../src/model/run-context.ts';
import { newRunId } from '../../src/model/run-id.ts';
import { setUserScenarioFiles } from '../../suites/scenarios/scenario-files.ts';
import { Interrupted, interruptSignal } from './interrupt.ts';
import { runSuites, userScenariosSpec } from './suites.ts';

async function validatedScenarioFiles(files: string[]): Promise<string[]> {
  const { loadScenario } = await import('../../suites/scenarios/load-scenario.ts');
  for (const file of files) await loadScenario(file);
  return files.map((f) => resolve(f));
}

/** What `gauntlet run` is asked to do; the CLI maps its flags onto this. */
export interface RunJobOptions extends ClusterOptions {
  suite?: string[];
  cluster?: string;
  keep?: boolean;
  out?: string;
  grep?: string;
  quiet?: boolean;
  json?: boolean;
  /** Scenario files to run (`--scenario`); without --suite, only these run. */
  scenario?: string[];
  /** A run in which nothing was tested (no test ran, or all were skipped) exits 0 instead of 5. */
  allowEmpty?: boolean;
}

/** The main job: provision -> suites -> run directory (summary, component logs) -> teardown (always). */
export async function runJob(flags: RunJobOptions): Promise<void> {
  const config = await configFromOptions(flags, { suites: flags.suite, out: flags.out, keep: flags.keep });
  // Every scenario file is read and validated before anything is created: a refused one exits 2 with no run dir.
  const scenarioFiles = await validatedScenarioFiles(flags.scenario ?? []);
  const suites = scenarioFiles.length > 0 && !flags.suite ? [] : config.run.suites;
  const runId = newRunId();
  const outDir = resolve(config.run.out, runId);
  const log = progress();
  const interrupt = interruptSignal();
  let cluster: ProvisionedCluster | undefined;
  let outcome: SuiteOutcome | undefined;
  let lease: { release(): Promise<void> } | undefined;
  let report: string | undefined;
  let findings: string[] | undefined;
  let capabilities: ClusterCapabilities | undefined;
  const started = new Date();
  let refused = false;
  try {
    emitProgress({ event: 'phase', phase: 'bootstrap', detail: `run ${runId}` });
    await mkdir(outDir, { recursive: true });
    log.step(`run ${runId}: output in ${outDir}`);
    emitProgress({ event: 'phase', phase: 'provision', detail: flags.cluster ?? config.cluster.provisioner });
    cluster = flags.cluster
      ? await attachLocalCluster(flags.cluster)
      : await provisionCluster(config, { progress: log, signal: interrupt.signal });
    if (interrupt.interrupted()) throw new Interrupted();
    if (!cluster.owned) await recoverLeftoverFaults(cluster, log);
    const run = setRunContext({ runId, config, cluster, outDir, signal: interrupt.signal });
    lease = await holdRunLease(run.kube, runId).catch((error: Error) => {
      log.step(
        `warning: no run Lease (${error.message}); a concurrent run's janitor may remove this run's objects`,
      );
      return undefined;
    });
    findings = await preflight(run.kube, cluster);
    if (findings.length === 0)
      log.step('preflight: apiserver ready, no etcd alarm, nodes Ready, no system pod Pending');
    else
      log.step(
        `preflight: the cluster looks unwell before any check (verdicts below may follow from this):\n${findings.map((f) => `  - ${f}`).join('\n')}`,
      );
    // Once, before any check: which checks can give a verdict here and which skip, and why.
    capabilities = await probeCapabilities(run.kube, cluster, {
      runId,
      probeImage: config.checks.probeImage,
    });
    run.capabilities = capabilities;
    log.step(
      `cluster capabilities:\n${describeCapabilities(capabilities)
        .map((l) => `  - ${l}`)
        .join('\n')}`,
    );
    const running = [...suites, ...scenarioFiles.map((f) => `scenario ${f}`)].join(', ');
    log.step(`running suites: ${running}`);
    emitProgress({ event: 'phase', phase: 'suite', detail: running });
    setUserScenarioFiles(scenarioFiles);
    outcome = await runSuites(suites, {
      ...(scenarioFiles.length > 0 ? { specFiles: [userScenariosSpec] } : {}),
      grep: flags.grep,
      junitFile: join(outDir, 'junit.xml'),
      allureResultsDir: join(outDir, 'allure-results'),
      signal: interrupt.signal,
    });
    if (interrupt.interrupted()) throw new Interrupted();
  } catch (error) {
    // Refused before any cluster was reached (no such cluster, an unreadable kubeconfig, a cluster not running):
    // nothing ran, so no run directory is left to be taken for a run. A failed provisioning keeps its own.
    refused =
      cluster === undefined &&
      (error instanceof ConfigError ||
        flags.cluster !== undefined ||
        config.cluster.provisioner === 'existing');
    throw error;
  } finally {
    emitProgress({ event: 'phase', phase: 'teardown' });
    interrupt.dispose();
    if (refused) await rm(outDir, { recursive: true, force: true });
    else {
      await lease?.release();
      if (cluster?.local) {
        await cp(join(cluster.local.dir, 'logs'), join(outDir, 'logs'), { recursive: true }).catch(
          () => undefined,
        );
      }
      await writeSummary(outDir, {
        runId,
        startedAt: started,
        cluster,
        outcome,
        ...(findings ? { preflight: findings } : {}),
        ...(capabilities ? { capabilities } : {}),
      }).catch(() => undefined);
      if (cluster && !config.cluster.keep) await teardownCluster(cluster, log);
      else if (cluster?.owned)
        log.step(`cluster ${cluster.name} kept running (gauntlet cluster down --name ${cluster.name})`);
      report = await publishRun(outDir, log);
    }
  }
  const { passed, failed, broken, skipped } = outcome;
  for (const line of skipLines(outcome)) log.step(line);
  for (const warning of outcome.warnings) log.step(`warning: ${warning}`);
  for (const { cause, tests } of sharedCauses(outcome))
    log.step(`CLUSTER-WIDE CAUSE: ${tests} tests broke on the same API refusal: ${cause}`);
  log.step(
    `${passed} passed, ${failed} failed (cluster), ${broken} broken (harness), ${skipped} skipped; summary in ${join(outDir, 'summary.json')}${report ? `; report: ${report}` : ''}`,
  );
  // A scenario whose revert failed leaves its intent pending in the run's ledger: that outranks any verdict.
  const left = await pendingIn(join(outDir, 'ledger.jsonl'));
  if (left.length > 0) {
    const list = left.map((i) => `  - ${i.fault} on ${i.target}: ${i.description}`).join('\n');
    throw new GauntletError(
      `faults still injected (undo by hand, or gauntlet recover):\n${list}`,
      ExitCode.RevertFailed,
    );
  }
  const exitCode = runExitCode(outcome, { allowEmpty: flags.allowEmpty === true });
  if (exitCode === ExitCode.NothingTested)
    log.step(
      `nothing was tested (${outcome.tests.length === 0 ? `no test matched${flags.grep ? ` --grep ${JSON.stringify(flags.grep)}` : ''}` : `all ${skipped} skipped`}): exit ${ExitCode.NothingTested} (--allow-empty accepts this)`,
    );
  emitProgress({ event: 'run-end', runDir: outDir, passed, failed, broken, skipped, exitCode });
  process.exitCode = exitCode;
}

/** 1 when the cluster failed a verdict or the harness broke, 5 when nothing was tested (unless allowed), else 0. */
export function runExitCode(outcome: SuiteOutcome, o: { allowEmpty: boolean }): ExitCode {
  if (outcome.failed > 0 || outcome.broken > 0) return ExitCode.CheckFailed;
  if (nothingTested(outcome) && !o.allowEmpty) return ExitCode.NothingTested;
  return ExitCode.Passed;
}

/** The skips, grouped by reason: "skipped 6 (pods on this cluster run no containers): a, b, ...". */
function skipLines(outcome: SuiteOutcome): string[] {
  const byReason = new Map<string, string[]>();
  for (const t of outcome.tests.filter((t) => t.state === 'skipped')) {
    const reason = t.reason ?? 'no reason given';
    byReason.set(reason, [...(byReason.get(reason) ?? []), `${t.suite} › ${t.title}`]);
  }
  return [...byReason].map(([reason, tests]) => `skipped ${tests.length} (${reason}): ${tests.join('; ')}`);
}

/** A cluster we did not create may still carry faults of a harness that was killed: revert them before judging it. */
async function recoverLeftoverFaults(
  cluster: ProvisionedCluster,
  log: ReturnType<typeof progress>,
): Promise<void> {
  const { kubeFromFile } = await import('../../src/kube/client.ts');
  const { recoverCluster, formatLeftovers } = await import('../../faults/engine/fault-engine.ts');
  const { ledgerKey } = await import('../../faults/engine/fault-cluster.ts');
  const kube = kubeFromFile(cluster.kubeconfig, cluster.context);
  const result = await recoverCluster({ kube, cluster }, ledgerKey(cluster, kube));
  if (result.reverted.length > 0)
    log.step(`reverted ${result.reverted.length} fault(s) left by an earlier run`);
  if (result.failed.length > 0 || result.missing.length > 0) {
    throw new GauntletError(
      `faults of an earlier run could not be reverted:\n${formatLeftovers(result)}`,
      ExitCode.RevertFailed,
    );
  }
}
