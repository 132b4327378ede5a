import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';

/** The admin identity of an embedded cluster, as files in its pki directory. */
export function adminIdentity(clusterDir: string) {
  const pki = join(clusterDir, 'pki');
  return { caFile: join(pki, 'ca.crt'), certFile: join(pki, 'admin.crt'), keyFile: join(pki, 'admin.key') };
}

/** GET /readyz of an embedded cluster's endpoint with its admin identity; true on 200. Never throws. */
export async function apiReady(endpoint: string, clusterDir: string, timeoutMs = 2000): Promise<boolean> {
  const id = adminIdentity(clusterDir);
  let ca: Buffer;
  let cert: Buffer;
  let key: Buffer;
  try {
    [ca, cert, key] = await Promise.all([readFile(id.caFile), readFile(id.certFile), readFile(id.keyFile)]);
  } catch {
    return false;
  }
  return new Promise<boolean>((resolve) => {
    const req = request(
      new URL('/readyz', endpoint),
      { ca, cert, key, timeout: timeoutMs, agent: false },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}
