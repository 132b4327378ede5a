import type { Answer, ApiConnection } from './api-connection.ts';
import type { RequestOutcome, SloClass } from './client-view.ts';

/** The operations an API load schedules; each arrival of one of them is one or more requests. */
export type OperationName = 'configmaps' | 'namespaceList' | 'clusterList' | 'watches';

export interface OperationContext {
  api: ApiConnection;
  namespace: string;
  timeoutMs: number;
  watchHoldMs: number;
  record(o: RequestOutcome): void;
}

let serial = 0;

function outcome(op: string, sloClass: SloClass, dueAt: number, a: Answer): RequestOutcome {
  return { op, sloClass, dueAt, sentAt: a.sentAt, endedAt: a.endedAt, ok: a.ok, status: a.status };
}

/**
 * One object's life, each step a request timed from when it was due: create, get, patch, delete. A step runs
 * when the one before it answered; after a failed create nothing is left to read, patch or delete.
 */
async function configMapLifecycle(ctx: OperationContext, dueAt: number): Promise<void> {
  const name = `load-${process.pid}-${++serial}`;
  const base = `/api/v1/namespaces/${ctx.namespace}/configmaps`;
  const step = async (
    op: string,
    due: number,
    method: 'POST' | 'GET' | 'PATCH' | 'DELETE',
    path: string,
    body?: unknown,
    type?: string,
  ) => {
    const a = await ctx.api.request(method, path, due + ctx.timeoutMs, body, type);
    ctx.record(outcome(op, op === 'get' ? 'resource-read' : 'mutating', due, a));
    return a;
  };
  const created = await step('create', dueAt, 'POST', base, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name },
    data: { step: 'created' },
  });
  if (!created.ok) return;
  const read = await step('get', created.endedAt, 'GET', `${base}/${name}`);
  const patched = await step(
    'patch',
    read.endedAt,
    'PATCH',
    `${base}/${name}`,
    { data: { step: 'patched' } },
    'application/merge-patch+json',
  );
  await step('delete', patched.endedAt, 'DELETE', `${base}/${name}`);
}

export function runOperation(name: OperationName, ctx: OperationContext, dueAt: number): Promise<void> {
  switch (name) {
    case 'configmaps':
      return configMapLifecycle(ctx, dueAt);
    case 'namespaceList':
      return ctx.api
        .request('GET', `/api/v1/namespaces/${ctx.namespace}/configmaps?limit=500`, dueAt + ctx.timeoutMs)
        .then((a) => ctx.record(outcome('list-namespace', 'namespace-read', dueAt, a)));
    case 'clusterList':
      return ctx.api
        .request('GET', '/api/v1/namespaces?limit=500', dueAt + ctx.timeoutMs)
        .then((a) => ctx.record(outcome('list-cluster', 'cluster-read', dueAt, a)));
    case 'watches': {
      const seconds = Math.ceil(ctx.watchHoldMs / 1000) + 5;
      const path = `/api/v1/namespaces/${ctx.namespace}/configmaps?watch=1&timeoutSeconds=${seconds}`;
      return ctx.api
        .watch(path, dueAt + ctx.timeoutMs, ctx.watchHoldMs)
        .then((a) => ctx.record(outcome('watch-open', 'watch-open', dueAt, a)));
    }
  }
}
