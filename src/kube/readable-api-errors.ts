import { STATUS_CODES } from 'node:http';
import { type ApiConstructor, type ApiType, KubeConfig } from '@kubernetes/client-node';

/**
 * A failed API call said the way a person reads it: `<verb> <resource> <name>: <status code> <reason>: <message>`
 * ("create ConfigMap gauntlet-x/a: 500 Internal Server Error: etcdserver: mvcc: database space exceeded"),
 * instead of client-node's "HTTP-Code: 500 Message: Unknown API Status Code! Body: ... Headers: ..." dump. It keeps
 * the client's code, body and headers, so `error.code === 404` tests keep working.
 */
export class KubeApiError extends Error {
  readonly code: unknown;
  readonly body: unknown;
  readonly headers: unknown;
  /** The Status reason ("Forbidden", "AlreadyExists") or the HTTP reason phrase. */
  readonly reason: string | undefined;
  /** The server's own words (the Status message), or the transport's. */
  readonly detail: string;
  constructor(
    readonly call: { verb: string; resource: string; name: string },
    cause: unknown,
  ) {
    const e = cause as { code?: unknown; body?: unknown; headers?: unknown; message?: unknown };
    const status = statusOf(e.body);
    const httpCode = typeof e.code === 'number' ? e.code : undefined;
    const reason = status?.reason || (httpCode ? STATUS_CODES[httpCode] : undefined);
    const detail =
      status?.message ??
      (typeof e.body === 'string' && e.body.trim() ? e.body.trim() : undefined) ??
      (httpCode ? (STATUS_CODES[httpCode] ?? 'no message') : String(e.message ?? cause));
    const head = [call.verb, call.resource, call.name].filter(Boolean).join(' ');
    const status_ = httpCode ? `${httpCode}${reason ? ` ${reason}` : ''}: ` : '';
    super(`${head}: ${status_}${detail}`, { cause });
    this.name = 'KubeApiError';
    this.code = e.code;
    this.body = e.body;
    this.headers = e.headers;
    this.reason = reason;
    this.detail = detail;
  }
}

function statusOf(body: unknown): { reason?: string; message?: string } | undefined {
  let value = body;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  if (!value || typeof value !== 'object') return undefined;
  const { reason, message } = value as { reason?: unknown; message?: unknown };
  return {
    ...(typeof reason === 'string' && reason ? { reason } : {}),
    ...(typeof message === 'string' && message ? { message } : {}),
  };
}

const verbs = ['deleteCollection', 'create', 'read', 'replace', 'patch', 'delete', 'list', 'connect', 'get'];

/** "createNamespacedConfigMap", {namespace, body} -> create ConfigMap ns/name. */
export function describeCall(
  method: string,
  args: unknown[],
): { verb: string; resource: string; name: string } {
  const base = method.replace(/WithHttpInfo$/, '');
  const verb = verbs.find((v) => base.startsWith(v)) ?? base;
  let resource = base.slice(verb === base ? base.length : verb.length);
  const allNamespaces = resource.endsWith('ForAllNamespaces');
  resource = resource.replace(/ForAllNamespaces$/, '').replace(/^Namespaced/, '');
  resource = resource.replace(/(Status|Scale|Ephemeralcontainers|Eviction|Binding|Log|Proxy)$/, ' $1').trim();
  const a = (args[0] ?? {}) as {
    name?: unknown;
    namespace?: unknown;
    body?: { metadata?: { name?: unknown; namespace?: unknown } };
  };
  const name = typeof a.name === 'string' ? a.name : a.body?.metadata?.name;
  const namespace = typeof a.namespace === 'string' ? a.namespace : a.body?.metadata?.namespace;
  const target =
    typeof name === 'string'
      ? typeof namespace === 'string'
        ? `${namespace}/${name}`
        : name
      : typeof namespace === 'string'
        ? `in ${namespace}`
        : allNamespaces
          ? 'in all namespaces'
          : '';
  return { verb: verb === 'deleteCollection' ? 'delete collection of' : verb, resource, name: target };
}

/** An API client whose every rejected call rejects with a KubeApiError naming the call. */
export function readableApi<T extends object>(api: T): T {
  return new Proxy(api, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function' || typeof prop !== 'string' || prop === 'constructor') return value;
      return (...args: unknown[]) => {
        const wrap = (error: unknown) =>
          error instanceof KubeApiError ? error : new KubeApiError(describeCall(prop, args), error);
        try {
          const result = (value as (...a: unknown[]) => unknown).apply(target, args);
          if (result && typeof (result as Promise<unknown>).then === 'function')
            return (result as Promise<unknown>).then(undefined, (error: unknown) => {
              throw wrap(error);
            });
          return result;
        } catch (error) {
          throw wrap(error);
        }
      };
    },
  });
}

/** A KubeConfig whose API clients (makeApiClient) all report failures as KubeApiError. */
export class ReadableKubeConfig extends KubeConfig {
  override makeApiClient<T extends ApiType>(apiClientType: ApiConstructor<T>): T {
    return readableApi(super.makeApiClient(apiClientType));
  }
}
