import { readFile } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import type { Kube } from '../kube/client.ts';
import type { ProbeSample } from '../model/timeline.ts';

/**
 * A client's view of API availability: GET /api/v1/namespaces/default at a fixed rate through the cluster's
 * endpoint, over keep-alive connections as real clients use them, each with a 1 s timeout. Samples go into
 * the given series. The fixed rate is the measurement itself, not a wait.
 */
export async function startApiProber(
  kube: Kube,
  into: ProbeSample[],
  ratePerSecond = 10,
): Promise<{ stop(): Promise<void> }> {
  const cluster = kube.config.getCurrentCluster()!;
  const user = kube.config.getCurrentUser()!;
  const [ca, cert, key] = await Promise.all([
    readFile(cluster.caFile!),
    user.certFile ? readFile(user.certFile) : Promise.resolve(undefined),
    user.keyFile ? readFile(user.keyFile) : Promise.resolve(undefined),
  ]);
  const agent = new Agent({ keepAlive: true, ca, cert, key, maxSockets: 4 });
  const url = new URL('/api/v1/namespaces/default', cluster.server);
  const timeoutMs = 1000;
  const inFlight = new Set<Promise<void>>();

  const probe = () => {
    const at = Date.now();
    const done = new Promise<void>((resolve) => {
      const finish = (ok: boolean, error?: string) => {
        into.push({ at, latencyMs: Date.now() - at, ok, ...(error ? { error } : {}) });
        resolve();
      };
      const req = request(
        url,
        { agent, timeout: timeoutMs, headers: { accept: 'application/json' } },
        (res) => {
          res.resume();
          res.on('end', () =>
            finish(res.statusCode === 200, res.statusCode === 200 ? undefined : `HTTP ${res.statusCode}`),
          );
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', (error) => finish(false, error.message));
      req.end();
    });
    inFlight.add(done);
    void done.then(() => inFlight.delete(done));
  };
  const timer = setInterval(probe, 1000 / ratePerSecond);
  return {
    async stop() {
      clearInterval(timer);
      await Promise.all(inFlight);
      agent.destroy();
      into.sort((a, b) => a.at - b.at);
    },
  };
}
