import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server } from 'node:net';

function listen(host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => resolve(server));
  });
}

const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

/** True when nothing listens on host:port. */
export async function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  try {
    await close(await listen(host, port));
    return true;
  } catch {
    return false;
  }
}

/**
 * Picks `count` distinct free ports, each free on every host given (so 127.0.0.1, .2 and .3 can all bind the
 * same port). The ports are held until all are chosen, then released for the components to bind.
 */
export async function freePorts(count: number, hosts: string[] = ['127.0.0.1']): Promise<number[]> {
  const held: Server[] = [];
  const ports: number[] = [];
  try {
    while (ports.length < count) {
      const first = await listen(hosts[0]!, 0);
      held.push(first);
      const port = (first.address() as { port: number }).port;
      const others = await Promise.allSettled(hosts.slice(1).map((host) => listen(host, port)));
      for (const other of others) if (other.status === 'fulfilled') held.push(other.value);
      if (others.every((other) => other.status === 'fulfilled')) ports.push(port);
    }
    return ports;
  } finally {
    await Promise.all(held.map(close));
  }
}

function bindUdp(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind({ address: host, port, exclusive: true }, () => resolve(socket));
  });
}

/**
 * A port free for both TCP and UDP on host, for a DNS server. TCP picks it; UDP must also be free there,
 * else the next one is tried (bounded: a busy machine rarely needs more than a couple).
 */
export async function freeTcpAndUdpPort(host = '127.0.0.1', attempts = 20): Promise<number> {
  for (let n = 0; n < attempts; n++) {
    const tcp = await listen(host, 0);
    const port = (tcp.address() as { port: number }).port;
    const udp = await bindUdp(host, port).catch(() => undefined);
    await close(tcp);
    if (udp) {
      await new Promise<void>((resolve) => udp.close(() => resolve()));
      return port;
    }
  }
  throw new Error(`no port free for both TCP and UDP on ${host} after ${attempts} tries`);
}
