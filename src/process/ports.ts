import { randomInt } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Ports handed out are claimed machine-wide. Between the pick (the kernel's, port 0) and the component binding
 * it, a port is free to the kernel again, and another gauntlet process picking at that moment (a test file in
 * another mocha worker, a second `cluster up`) could be given it too; while a chaos test has a component down,
 * its port is free as well. A claim is a file <port>.<slot> in claimsDir, slot = time / CLAIM_MS, created with
 * O_EXCL; a port is taken while a claim of the slot before, this one or the next exists besides the one just
 * created, checked after creating it, so of two claimants at once the later one always backs off. A
 * claim lasts 10 to 20 minutes, long past any component's first bind; files of older slots are removed.
 */
export const CLAIM_MS = 10 * 60_000;
const claimsDir = () => process.env.GAUNTLET_PORT_CLAIMS_DIR ?? join(tmpdir(), 'gauntlet-port-claims');

const claimFile = (port: number, slot: number) => join(claimsDir(), `${port}.${slot}`);
const exists = (path: string) => statSync(path, { throwIfNoEntry: false }) !== undefined;

/** Claims `port` for this process; false when another claim of it is current. `now` for tests. */
export function claimPort(port: number, now = Date.now()): boolean {
  const slot = Math.floor(now / CLAIM_MS);
  mkdirSync(claimsDir(), { recursive: true });
  const mine = claimFile(port, slot);
  try {
    writeFileSync(mine, `${process.pid}\n`, { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  if (exists(claimFile(port, slot - 1)) || exists(claimFile(port, slot + 1))) {
    rmSync(mine, { force: true });
    return false;
  }
  return true;
}

/** Removes claims no longer current (older than the slot before this one). */
function dropOldClaims(now = Date.now()): void {
  const current = Math.floor(now / CLAIM_MS);
  mkdirSync(claimsDir(), { recursive: true });
  for (const name of readdirSync(claimsDir())) {
    const slot = Number(name.split('.')[1]);
    if (Number.isInteger(slot) && slot < current - 1) rmSync(join(claimsDir(), name), { force: true });
  }
}

/**
 * Where ports are picked: below the kernel's ephemeral range, which outgoing connections take their local port
 * from. A port picked from that range (port 0) can be taken by any client's connect() between the pick and the
 * component's bind ("bind: address already in use"); below it nothing is handed out behind our back.
 */
export function pickRange(): { from: number; to: number } {
  const ephemeralFrom = (() => {
    try {
      return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    } catch {
      return 32_768; // Linux's default
    }
  })();
  const from = 20_000;
  // A host whose ephemeral range starts low leaves no room below it: the whole registered range then.
  return ephemeralFrom - from >= 2_000 ? { from, to: ephemeralFrom - 1 } : { from: 1_024, to: 65_535 };
}

const candidate = (range: { from: number; to: number }) => randomInt(range.from, range.to + 1);

/** A server listening on host:port, or undefined when the port is taken there. */
const tryListen = (host: string, port: number) => listen(host, port).catch(() => undefined);

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
 * same port) and claimed for this process (claimPort). The ports are held until all are chosen, then released
 * for the components to bind.
 */
export async function freePorts(count: number, hosts: string[] = ['127.0.0.1']): Promise<number[]> {
  const held: Server[] = [];
  const ports: number[] = [];
  const range = pickRange();
  dropOldClaims();
  try {
    for (let tries = 0; ports.length < count; tries++) {
      if (tries >= count * 50)
        throw new Error(
          `no ${count} free ports in ${range.from}-${range.to} on ${hosts.join(', ')} after ${tries} tries`,
        );
      const port = candidate(range);
      if (ports.includes(port)) continue;
      const servers = await Promise.all(hosts.map((host) => tryListen(host, port)));
      for (const server of servers) if (server) held.push(server);
      if (servers.every((server) => server !== undefined) && claimPort(port)) ports.push(port);
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
  const range = pickRange();
  for (let n = 0; n < attempts; n++) {
    const port = candidate(range);
    const tcp = await tryListen(host, port);
    if (!tcp) continue;
    const udp = await bindUdp(host, port).catch(() => undefined);
    await close(tcp);
    if (udp) {
      await new Promise<void>((resolve) => udp.close(() => resolve()));
      if (claimPort(port)) return port;
    }
  }
  throw new Error(
    `no port in ${range.from}-${range.to} free for both TCP and UDP on ${host} after ${attempts} tries`,
  );
}
