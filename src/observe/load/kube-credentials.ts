import type { RequestOptions } from 'node:https';
import { performance } from 'node:perf_hooks';
import { KubeConfig } from '@kubernetes/client-node';
import { ConfigError } from '../../errors.ts';

/**
 * A kubeconfig's API server and credentials, in memory, for an HTTP client of the harness's own. The Kubernetes
 * client resolves them, so client certificates, bearer tokens, token files and exec plugins (aws eks get-token)
 * all work. They are never written anywhere; describe() is what may be logged.
 */
export interface KubeHttpCredentials {
  server: string;
  tls: { ca?: Buffer | string; cert?: Buffer | string; key?: Buffer | string; rejectUnauthorized: boolean };
  /** Authorization and friends, current (an exec plugin's credential is renewed as it expires); never logged. */
  readonly headers: Record<string, string>;
  describe(): string;
}

/**
 * How often the headers are read again when an exec plugin supplies the credential: the Kubernetes client runs the
 * plugin again only once the credential's expirationTimestamp has passed (an EKS token lives 15 min, a load may
 * run longer), so this is cheap while the credential is valid.
 */
const EXEC_REFRESH_MS = 1000;

export async function kubeHttpCredentials(
  kubeconfig: string,
  context?: string,
): Promise<KubeHttpCredentials> {
  const config = new KubeConfig();
  config.loadFromFile(kubeconfig);
  if (context) config.setCurrentContext(context);
  const cluster = config.getCurrentCluster();
  if (!cluster) throw new ConfigError(`${kubeconfig}: no cluster for context ${config.getCurrentContext()}`);
  const opts: RequestOptions = {};
  await config.applyToHTTPSOptions(opts);
  const asPem = (v: unknown) => (typeof v === 'string' || Buffer.isBuffer(v) ? v : undefined);
  const ca = asPem(opts.ca);
  const cert = asPem(opts.cert);
  const key = asPem(opts.key);
  let current = headersOf(opts);
  const kinds = [cert ? 'client certificate' : '', current.Authorization ? 'bearer token' : ''].filter(
    Boolean,
  );
  const exec = config.getCurrentUser()?.exec !== undefined;
  let readAt = performance.now();
  let reading = false;
  const refresh = () => {
    if (!exec || reading || performance.now() - readAt < EXEC_REFRESH_MS) return;
    reading = true;
    const next: RequestOptions = {};
    config
      .applyToHTTPSOptions(next)
      .then(() => {
        current = headersOf(next);
      })
      // A plugin that fails once keeps the last credential; the server's 401s show if it has expired.
      .catch(() => undefined)
      .finally(() => {
        readAt = performance.now();
        reading = false;
      });
  };
  return {
    server: cluster.server,
    tls: {
      ...(ca ? { ca } : {}),
      ...(cert ? { cert } : {}),
      ...(key ? { key } : {}),
      rejectUnauthorized: cluster.skipTLSVerify !== true,
    },
    get headers() {
      refresh();
      return current;
    },
    describe: () =>
      `${cluster.server} (${[...kinds, exec ? 'exec plugin' : ''].filter(Boolean).join(' + ') || 'anonymous'})`,
  };
}

function headersOf(opts: RequestOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries((opts.headers as Record<string, unknown>) ?? {}))
    if (typeof value === 'string') headers[name] = value;
  return headers;
}
