import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { probeCapabilities } from '../../checks/capabilities-probe.ts';
import { holdRunLease } from '../../checks/run-lease.ts';
import { toolboxImages } from '../../clusters/local/real-nodes/node-images.ts';
import { ConfigError, ExitCode, InfrastructureError } from '../../src/errors.ts';
import { kubeFromFile } from '../../src/kube/client.ts';
import { progress } from '../../src/log.ts';
import type { ProvisionedCluster } from '../../src/model/cluster.ts';
import { newRunId } from '../../src/model/run-id.ts';
import { loadServiceTarget, type ServiceLoadResult } from '../../src/observe/load/service-load.ts';
import { parseServiceRef, resolveServiceTarget, serviceVip } from '../../src/observe/load/service-target.ts';
import { runVegeta } from '../../src/observe/load/vegeta.ts';
import { maxInClusterRequests } from '../../src/observe/load/vegeta-in-cluster.ts';
import {
  type VegetaResult,
  type VegetaThresholds,
  vegetaSamples,
} from '../../src/observe/load/vegeta-verdict.ts';
import { type LoadTargetFlags, loadTargetCluster } from './load-target-cluster.ts';

/** What `gauntlet load service` is asked to do; commander hands the numbers over as strings. */
export interface LoadServiceOptions extends LoadTargetFlags {
  /** `<namespace>/<name>` of a Service, or undefined with --url. */
  service?: string;
  url?: string;
  from: string;
  port?: string;
  path: string;
  image?: string;
  rate: string;
  duration: string;
  success: string;
  p99: string;
  out?: string;
}

function number(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new ConfigError(`load service: ${flag} expects a positive number, got "${value}"`);
  return n;
}

interface Attack extends VegetaThresholds {
  perSecond: number;
  durationSeconds: number;
}

/**
 * `gauntlet load service`: vegeta at a fixed rate against a URL from this host, or against a Service: from
 * outside through a port-forward to one ready endpoint pod, or from inside with a Job on nodes that run
 * containers (client pod -> Service VIP -> kube-proxy -> endpoints). Results in <out>/<run id>/load/service.json.
 */
export async function loadServiceJob(flags: LoadServiceOptions): Promise<void> {
  const attack: Attack = {
    perSecond: number('--rate', flags.rate),
    durationSeconds: number('--duration', flags.duration),
    minSuccessRatio: number('--success', flags.success),
    maxP99Ms: number('--p99', flags.p99),
  };
  if (flags.from !== 'inside' && flags.from !== 'outside')
    throw new ConfigError(`load service: --from expects inside or outside, got "${flags.from}"`);
  if ((flags.service === undefined) === (flags.url === undefined))
    throw new ConfigError('load service: give a Service as <namespace>/<name>, or --url, not both');
  if (flags.service) parseServiceRef(flags.service);
  if (flags.url && flags.from === 'inside')
    throw new ConfigError('load service: --from inside loads a Service (<namespace>/<name>), not a --url');
  if (!flags.path.startsWith('/'))
    throw new ConfigError(`load service: --path must start with /, got "${flags.path}"`);
  if (flags.from === 'inside' && attack.perSecond * attack.durationSeconds > maxInClusterRequests)
    throw new ConfigError(
      `load service: --from inside sends at most ${maxInClusterRequests} requests (--rate x --duration); ` +
        'its results come back through the pod log, which the kubelet rotates',
    );
  const runId = newRunId('load-');
  const dir = join(resolve(flags.out ?? 'reports/out'), runId, 'load');
  const log = progress();
  let result: VegetaResult;
  // The run directory is made by the first results written: a load refused on the way leaves none.
  if (flags.url) {
    log.step(`load service: ${flags.rate}/s for ${flags.duration} s against ${flags.url}`);
    result = await runVegeta({ ...attack, url: flags.url, resultsFile: join(dir, 'service.vegeta.bin') });
  } else {
    const cluster = await loadTargetCluster(flags, 'load service');
    result = await loadService(cluster, flags.service!, flags, attack, runId, dir);
  }
  // The per-second buckets also as timeline samples, the shape a scenario timeline's probe series has.
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'service.json'),
    `${JSON.stringify({ ...result, timeline: vegetaSamples(result) }, null, 2)}\n`,
  );
  process.stdout.write(
    `verdict: ${result.verdict}; ${result.requests} requests, success ${(result.successRatio * 100).toFixed(2)}%, ` +
      `p50 ${result.p50Ms.toFixed(1)} ms, p99 ${result.p99Ms.toFixed(1)} ms, max ${result.maxMs.toFixed(1)} ms\n`,
  );
  for (const failure of result.failures) process.stdout.write(`FAILED ${failure}\n`);
  log.step(`load service: ${result.verdict}; results ${join(dir, 'service.json')}`);
  process.exitCode = result.verdict === 'passed' ? ExitCode.Passed : ExitCode.CheckFailed;
}

async function loadService(
  cluster: ProvisionedCluster,
  ref: string,
  flags: LoadServiceOptions,
  attack: Attack,
  runId: string,
  dir: string,
): Promise<ServiceLoadResult> {
  const log = progress();
  const kube = kubeFromFile(cluster.kubeconfig, cluster.context);
  const target = await resolveServiceTarget(kube, ref, flags.port);
  const what = `${flags.rate}/s for ${flags.duration} s against Service ${ref} port ${target.port.port}${flags.path}`;
  const load = { ...attack, path: flags.path, runId, dir };
  if (flags.from === 'outside') {
    log.step(`load service: ${what}, from outside through a port-forward to a ready endpoint pod`);
    return await loadServiceTarget(kube, target, { ...load, from: 'outside' });
  }
  serviceVip(target); // a headless Service is refused before the probe runs a pod
  // The real nodes' toolbox carries vegeta; elsewhere the user names an image that has it.
  const image = flags.image ?? (cluster.local ? toolboxImages[0]! : undefined);
  if (!image)
    throw new ConfigError(
      'load service --from inside: on a cluster the harness did not make, --image must name an image with vegeta and sh',
    );
  // The lease keeps another run's janitor off this run's namespaces (the probe's and the Job's).
  const lease = await holdRunLease(kube, runId);
  try {
    const capabilities = await probeCapabilities(kube, cluster, { runId });
    if (!capabilities.containers.available)
      throw new InfrastructureError(`load service --from inside: ${capabilities.containers.reason}`);
    log.step(`load service: ${what}, from inside (a vegeta Job, image ${image})`);
    return await loadServiceTarget(kube, target, {
      ...load,
      from: 'inside',
      image,
      ...(capabilities.containers.nodes ? { nodes: capabilities.containers.nodes } : {}),
    });
  } finally {
    await lease.release();
  }
}
