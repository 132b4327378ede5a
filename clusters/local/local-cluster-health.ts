import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InfrastructureError } from '../../src/errors.ts';
import { readStateFile } from '../../src/model/state-file.ts';
import { apiReady } from './api-readiness.ts';
import { type SupervisorState, supervisorStateFile, supervisorStateSchema } from './supervisor-state.ts';

/** The supervisor's last report; undefined before its first. A damaged supervisor.json is an error. */
export async function readSupervisorState(dir: string): Promise<SupervisorState | undefined> {
  return readStateFile(supervisorStateSchema, join(dir, supervisorStateFile));
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

/**
 * Polls /readyz (nothing to watch before the API exists) every 100 ms up to the deadline, and fails early
 * when etcd or an apiserver keeps crashing, naming it.
 */
export async function waitForApi(
  endpoint: string,
  dir: string,
  timeoutMs: number,
  signal?: AbortSignal,
  supervisorExited?: () => boolean,
): Promise<void> {
  const pollIntervalMs = 100;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (signal?.aborted) throw new InfrastructureError('interrupted while waiting for the API server');
    if (supervisorExited?.())
      throw new InfrastructureError("the cluster's supervisor exited before the API was ready");
    if (await apiReady(endpoint, dir)) return;
    const state = await readSupervisorState(dir);
    const crashLooping = state?.components.find(
      (c) => (c.kind === 'etcd' || c.kind === 'kube-apiserver') && c.restarts >= 3,
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
