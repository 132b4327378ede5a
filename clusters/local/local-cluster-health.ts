import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { InfrastructureError } from '../../src/errors.ts';
import type { Kube } from '../../src/kube/client.ts';
import { type SupervisorState, supervisorStateFile } from './supervisor.ts';

export async function readSupervisorState(dir: string): Promise<SupervisorState | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, supervisorStateFile), 'utf8')) as SupervisorState;
  } catch {
    return undefined;
  }
}

/** The last lines of the logs of components that exited: the first thing anyone asks when `up` fails. */
export async function supervisorLogTail(dir: string, lines = 6): Promise<string> {
  const state = await readSupervisorState(dir);
  const crashed = state?.components.filter((c) => c.lastExit) ?? [];
  const logs = ['supervisor', ...crashed.map((c) => c.id)];
  const parts: string[] = [];
  for (const id of logs) {
    const text = await readFile(join(dir, 'logs', `${id}.log`), 'utf8').catch(() => '');
    const tail = text.trim().split('\n').slice(-lines).join('\n    ');
    if (tail) parts.push(`\n  ${id}.log:\n    ${tail}`);
  }
  return parts.length > 0 ? `\nlast log lines:${parts.join('')}` : '';
}

/** GET /readyz through the endpoint with the admin identity; true on 200. */
export function apiReady(kube: Kube, timeoutMs = 2000): Promise<boolean> {
  const cluster = kube.config.getCurrentCluster();
  const user = kube.config.getCurrentUser();
  if (!cluster || !user) return Promise.resolve(false);
  return Promise.all([
    readFile(cluster.caFile ?? ''),
    readFile(user.certFile ?? ''),
    readFile(user.keyFile ?? ''),
  ]).then(
    ([ca, cert, key]) =>
      new Promise<boolean>((resolve) => {
        const req = request(new URL('/readyz', cluster.server), { ca, cert, key, timeout: timeoutMs }, (res) => {
          res.resume();
          resolve(res.statusCode === 200);
        });
        req.on('timeout', () => req.destroy());
        req.on('error', () => resolve(false));
        req.end();
      }),
    () => false,
  );
}

/**
 * Polls /readyz (nothing to watch before the API exists) every 250 ms up to the deadline, and fails early
 * when etcd or an apiserver keeps crashing, naming it.
 */
export async function waitForApi(kube: Kube, dir: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const pollIntervalMs = 250;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (signal?.aborted) throw new InfrastructureError('interrupted while waiting for the API server');
    if (await apiReady(kube)) return;
    const state = await readSupervisorState(dir);
    const crashLooping = state?.components.find(
      (c) => (c.kind === 'etcd' || c.kind === 'kube-apiserver' || c.kind === 'load-balancer') && c.restarts >= 3,
    );
    if (crashLooping) {
      throw new InfrastructureError(
        `${crashLooping.id} keeps exiting (${crashLooping.restarts} restarts, last exit code ${crashLooping.lastExit?.code})`,
      );
    }
    await new Promise((r) => setTimeout(r, pollIntervalMs));
  }
  throw new InfrastructureError(`the API server was not ready after ${Math.round(timeoutMs / 1000)} s`);
}
