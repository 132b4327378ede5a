import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ConfigError, ExitCode } from '../../src/errors.ts';
import { progress } from '../../src/log.ts';
import { newRunId } from '../../src/model/run-id.ts';
import { runVegeta, vegetaSamples } from '../../src/observe/load/vegeta.ts';

/** What `gauntlet load service` is asked to do; commander hands the numbers over as strings. */
export interface LoadServiceOptions {
  url: string;
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

/** `gauntlet load service --url`: vegeta at a fixed rate; results in <out>/<run id>/load/service.json. */
export async function loadServiceJob(flags: LoadServiceOptions): Promise<void> {
  const runId = newRunId('load-');
  const dir = join(resolve(flags.out ?? 'reports/out'), runId, 'load');
  await mkdir(dir, { recursive: true });
  const log = progress();
  log.step(`load service: ${flags.rate}/s for ${flags.duration} s against ${flags.url}`);
  const result = await runVegeta({
    url: flags.url,
    perSecond: number('--rate', flags.rate),
    durationSeconds: number('--duration', flags.duration),
    minSuccessRatio: number('--success', flags.success),
    maxP99Ms: number('--p99', flags.p99),
    resultsFile: join(dir, 'service.vegeta.bin'),
  });
  // The per-second buckets also as timeline samples, the shape a scenario timeline's probe series has.
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
