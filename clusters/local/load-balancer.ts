import { connect, createServer, type Socket } from 'node:net';

export interface Backend {
  host: string;
  port: number;
}

/** How long a backend that refused a connection is passed over before it is tried again. */
const backendCooldownMs = 1000;

/** How often each backend's readiness is checked, as a cloud load balancer's health check would. */
const healthCheckIntervalMs = 1000;

/**
 * The one endpoint of the embedded cluster's API: a TCP pass-through (TLS ends at the apiservers) that
 * spreads connections round-robin over the backends whose health check passes (as an NLB in front of
 * apiservers checks /readyz), and, when a backend refuses, retries the next one, so clients never notice
 * which apiserver serves them or that one was killed or is still starting.
 */
export function startLoadBalancer(
  listen: Backend,
  backends: Backend[],
  healthCheck?: (backend: Backend) => Promise<boolean>,
): Promise<() => Promise<void>> {
  const downUntil = new Map<Backend, number>();
  const unready = new Set<Backend>();
  let next = 0;
  let checking = true;
  const checkLoop = async (backend: Backend) => {
    while (checking && healthCheck) {
      if (await healthCheck(backend)) unready.delete(backend);
      else unready.add(backend);
      await new Promise((r) => setTimeout(r, healthCheckIntervalMs).unref());
    }
  };
  for (const backend of backends) void checkLoop(backend);

  const pick = (tried: Set<Backend>): Backend | undefined => {
    const now = Date.now();
    const candidates = backends.filter((b) => !tried.has(b));
    // With no backend passing, try them all: at start-up, before the first check has passed, or when all are down.
    const healthy = candidates.filter((b) => (downUntil.get(b) ?? 0) <= now && !unready.has(b));
    const pool = healthy.length > 0 ? healthy : candidates;
    if (pool.length === 0) return undefined;
    next = (next + 1) % pool.length;
    return pool[next];
  };

  const relay = (client: Socket, tried = new Set<Backend>()) => {
    const backend = pick(tried);
    if (!backend) {
      client.destroy();
      return;
    }
    tried.add(backend);
    const upstream = connect(backend);
    // Until connected, an error means this backend refused: pass it over for a while and try the next one.
    const onConnectError = () => {
      downUntil.set(backend, Date.now() + backendCooldownMs);
      relay(client, tried);
    };
    upstream.once('error', onConnectError);
    upstream.once('connect', () => {
      upstream.off('error', onConnectError);
      upstream.setNoDelay(true);
      client.pipe(upstream).pipe(client);
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.on('close', () => upstream.destroy());
      client.resume();
    });
  };

  const server = createServer({ pauseOnConnect: true }, (client) => {
    client.setNoDelay(true);
    client.on('error', () => {});
    relay(client);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: listen.host, port: listen.port, exclusive: true }, () => {
      resolve(() => {
        checking = false;
        return new Promise((done) => server.close(() => done()));
      });
    });
  });
}
