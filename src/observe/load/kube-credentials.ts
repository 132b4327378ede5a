import type { RequestOptions } from 'node:https';
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
  /** Authorization and friends; values never reach a log. */
  headers: Record<string, string>;
  describe(): string;
}

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
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries((opts.headers as Record<string, unknown>) ?? {}))
    if (typeof value === 'string') headers[name] = value;
  const asPem = (v: unknown) => (typeof v === 'string' || Buffer.isBuffer(v) ? v : undefined);
  const ca = asPem(opts.ca);
  const cert = asPem(opts.cert);
  const key = asPem(opts.key);
  const kinds = [cert ? 'client certificate' : '', headers.Authorization ? 'bearer token' : ''].filter(
    Boolean,
  );
  return {
    server: cluster.server,
    tls: {
      ...(ca ? { ca } : {}),
      ...(cert ? { cert } : {}),
      ...(key ? { key } : {}),
      rejectUnauthorized: cluster.skipTLSVerify !== true,
    },
    headers,
    describe: () => `${cluster.server} (${kinds.join(' + ') || 'anonymous'})`,
  };
}
