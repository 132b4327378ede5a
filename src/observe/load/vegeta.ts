import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { execa } from 'execa';
import { InfrastructureError } from '../../errors.ts';
import { resolveTool } from '../../tools/index.ts';
import { judgeVegetaLines, type VegetaResult, type VegetaThresholds } from './vegeta-verdict.ts';

export interface VegetaAttack extends VegetaThresholds {
  url: string;
  perSecond: number;
  durationSeconds: number;
  /** vegeta's binary results; the JSON lines are read from it with `vegeta encode`. */
  resultsFile: string;
  timeoutSeconds?: number;
  signal?: AbortSignal;
  /** Default: the pinned vegeta from the tools cache (built from github.com/tsenart/vegeta/v12 the first time). */
  vegetaPath?: string;
}

/** The `vegeta attack` flags of a fixed-rate GET attack, the same on this host and in a pod. */
export const vegetaAttackFlags = (a: {
  perSecond: number;
  durationSeconds: number;
  timeoutSeconds?: number;
}) => [`-rate=${a.perSecond}/1s`, `-duration=${a.durationSeconds}s`, `-timeout=${a.timeoutSeconds ?? 10}s`];

/** Runs `vegeta attack` on this host at a fixed rate, then judges `vegeta encode --to=json` of its results. */
export async function runVegeta(a: VegetaAttack): Promise<VegetaResult> {
  const vegeta = a.vegetaPath ?? (await resolveTool('vegeta', a.signal ? { signal: a.signal } : {})).path;
  await mkdir(dirname(a.resultsFile), { recursive: true });
  const startedAt = Date.now();
  const attack = await execa(vegeta, ['attack', ...vegetaAttackFlags(a), `-output=${a.resultsFile}`], {
    input: `GET ${a.url}\n`,
    reject: false,
    all: true,
    ...(a.signal ? { cancelSignal: a.signal } : {}),
  });
  if (attack.exitCode !== 0)
    throw new InfrastructureError(`vegeta attack ${a.url} failed (exit ${attack.exitCode}): ${attack.all}`);
  const encode = execa(vegeta, ['encode', '--to=json', a.resultsFile], { buffer: false });
  const result = await judgeVegetaLines(createInterface({ input: encode.stdout! }), {
    ...a,
    target: a.url,
    startedAt,
  });
  await encode;
  return result;
}
