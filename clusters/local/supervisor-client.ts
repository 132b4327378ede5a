import { InfrastructureError } from '../../src/errors.ts';
import { readSupervisorState } from './local-cluster-health.ts';
import type { ComponentState } from './supervisor-state.ts';

/** Calls the supervisor's control API of the embedded cluster in `dir`. */
async function call(dir: string, method: 'GET' | 'POST', path: string): Promise<unknown> {
  const state = await readSupervisorState(dir);
  if (!state) throw new InfrastructureError(`no supervisor state in ${dir}: is the cluster running?`);
  const response = await fetch(`http://127.0.0.1:${state.controlPort}${path}`, {
    method,
    signal: AbortSignal.timeout(15_000),
  }).catch((error: Error) => {
    throw new InfrastructureError(`supervisor of ${dir} does not answer (${error.message})`);
  });
  const body = (await response.json()) as { error?: string };
  if (!response.ok)
    throw new InfrastructureError(`supervisor: ${method} ${path}: ${body.error ?? response.status}`);
  return body;
}

/** Stops a member; with hold, the supervisor does not restart it until startComponent. */
export function stopComponent(
  dir: string,
  id: string,
  signal: NodeJS.Signals,
  hold = true,
  replaceAfterMs?: number,
): Promise<ComponentState> {
  const replace = replaceAfterMs === undefined ? '' : `&replaceAfterMs=${replaceAfterMs}`;
  return call(
    dir,
    'POST',
    `/components/${id}/stop?signal=${signal}&hold=${hold}${replace}`,
  ) as Promise<ComponentState>;
}

/** SIGSTOP (pause) or SIGCONT (resume) a member; it keeps its connections, frozen. */
export function signalComponent(
  dir: string,
  id: string,
  action: 'pause' | 'resume',
): Promise<ComponentState> {
  return call(dir, 'POST', `/components/${id}/${action}`) as Promise<ComponentState>;
}

export function startComponent(dir: string, id: string): Promise<ComponentState> {
  return call(dir, 'POST', `/components/${id}/start`) as Promise<ComponentState>;
}

export function componentStates(dir: string): Promise<ComponentState[]> {
  return call(dir, 'GET', '/status') as Promise<ComponentState[]>;
}
