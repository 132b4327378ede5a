import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { RequestOptions } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { ConfigError } from '../../errors.ts';

/**
 * A kubeconfig's server and credentials as files a separate program (k6) can read, in a private temporary
 * directory (0700, files 0600) that dispose() removes. The Kubernetes client resolves them, so client
 * certificates, bearer tokens, token files and exec plugins (aws eks get-token) all work. Only paths and
 * the server URL are ever handed on; the run directory never receives a copy.
 */
export interface KubeCredentialFiles {
  server: string;
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  tokenFile?: string;
  insecureSkipTlsVerify: boolean;
  dispose(): Promise<void>;
}

export async function kubeCredentialFiles(
  kubeconfig: string,
  context?: string,
): Promise<KubeCredentialFiles> {
  const config = new KubeConfig();
  config.loadFromFile(kubeconfig);
  if (context) config.setCurrentContext(context);
  const cluster = config.getCurrentCluster();
  if (!cluster) throw new ConfigError(`${kubeconfig}: no cluster for context ${config.getCurrentContext()}`);
  const opts: RequestOptions = {};
  await config.applyToHTTPSOptions(opts);
  const dir = await mkdtemp(join(tmpdir(), 'gauntlet-k6-creds-'));
  await chmod(dir, 0o700);
  const write = async (name: string, data: unknown): Promise<string | undefined> => {
    if (data === undefined || data === null) return undefined;
    const file = join(dir, name);
    await writeFile(file, Buffer.isBuffer(data) ? data : String(data), { mode: 0o600 });
    return file;
  };
  const authorization = (opts.headers as Record<string, string> | undefined)?.Authorization;
  const token = authorization?.startsWith('Bearer ') ? authorization.slice('Bearer '.length) : undefined;
  const [caFile, certFile, keyFile, tokenFile] = await Promise.all([
    write('ca.crt', opts.ca),
    write('client.crt', opts.cert),
    write('client.key', opts.key),
    write('token', token),
  ]);
  return {
    server: cluster.server,
    insecureSkipTlsVerify: cluster.skipTLSVerify === true,
    ...(caFile ? { caFile } : {}),
    ...(certFile ? { certFile } : {}),
    ...(keyFile ? { keyFile } : {}),
    ...(tokenFile ? { tokenFile } : {}),
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}
