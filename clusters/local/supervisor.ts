import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { type ComponentSpec, clusterSpecFile } from '../../src/model/local-cluster-spec.ts';
import { clusterMarkerVariable } from '../../src/process/cluster-processes.ts';
import { apiReady } from './api-readiness.ts';
import { startLoadBalancer } from './load-balancer.ts';
import { type ComponentState, type SupervisorState, supervisorStateFile } from './supervisor-state.ts';
import { waitForSpec } from './wait-for-spec.ts';

/** How long a supervisor started ahead of its cluster.json waits for it before giving up. */
const specTimeoutMs = 60_000;

interface Managed {
  spec: ComponentSpec;
  state: ComponentState;
  child?: ChildProcess;
  /** Set when someone asked for it to stay down (a fault, or shutdown): no restart then. */
  held: boolean;
  recentRestarts: number[];
  /** A pending replacement of a killed member (stop with replaceAfterMs). */
  replacement?: NodeJS.Timeout;
}

/** Restart delay grows with restarts in the last minute, as kubelet backs off a crash-looping static pod. */
function restartDelayMs(recent: number): number {
  return Math.min(500 * 2 ** recent, 10_000);
}

/**
 * The long-lived parent of an embedded cluster's processes: serves the cluster's one API endpoint (the load
 * balancer), starts the components, restarts the ones that exit (unless held down), and answers a small HTTP control API on loopback so `gauntlet` commands (and faults)
 * can stop, start and inspect members. It runs detached from the command that started the cluster.
 */
export async function runSupervisor(dir: string): Promise<void> {
  const spec = await waitForSpec(join(dir, clusterSpecFile), specTimeoutMs);
  const managed = new Map<string, Managed>();
  let shuttingDown = false;
  let server: Server;

  const persist = () => {
    const state: SupervisorState = {
      pid: process.pid,
      controlPort: (server.address() as { port: number }).port,
      components: [...managed.values()].map((m) => m.state),
    };
    const file = join(dir, supervisorStateFile);
    writeFileSync(`${file}.tmp`, JSON.stringify(state, null, 2));
    renameSync(`${file}.tmp`, file);
  };

  const start = (m: Managed) => {
    const log = openSync(m.spec.logFile, 'a');
    const child = spawn(m.spec.command, m.spec.args, {
      stdio: ['ignore', log, log],
      env: { ...process.env, [clusterMarkerVariable]: spec.uid },
    });
    closeSync(log);
    m.child = child;
    m.state = { ...m.state, pid: child.pid, status: 'running', startedAt: new Date().toISOString() };
    child.on('error', () => {}); // reported through 'exit'
    child.on('exit', (code, signal) => {
      if (m.child !== child) return;
      m.child = undefined;
      m.state = {
        ...m.state,
        pid: undefined,
        status: m.held ? 'stopped' : 'exited',
        lastExit: { code, signal, at: new Date().toISOString() },
      };
      if (!m.held && !shuttingDown && m.spec.restart === 'always') {
        const now = Date.now();
        m.recentRestarts = m.recentRestarts.filter((at) => now - at < 60_000);
        const delay = restartDelayMs(m.recentRestarts.length);
        m.recentRestarts.push(now);
        m.state = { ...m.state, status: 'restarting' };
        setTimeout(() => {
          if (!m.held && !shuttingDown && !m.child) {
            m.state.restarts += 1;
            start(m);
            persist();
          }
        }, delay);
      }
      persist();
    });
  };

  const stop = async (m: Managed, signal: NodeJS.Signals, hold: boolean, timeoutMs = 10_000) => {
    m.held = hold;
    const child = m.child;
    if (!child) {
      if (hold) m.state = { ...m.state, status: 'stopped' };
      return;
    }
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // A paused (SIGSTOPped) process would not act on SIGTERM until continued.
    if (m.state.status === 'paused') child.kill('SIGCONT');
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  };

  const startWhenApiReady = async (waiting: Managed[]) => {
    // Polled: there is no API to watch until it answers. Bounded by the cluster's life (shutdown stops it).
    const pollIntervalMs = 100;
    while (!shuttingDown && !(await apiReady(spec.endpoint, dir))) {
      await new Promise((r) => setTimeout(r, pollIntervalMs));
    }
    for (const m of waiting) if (!shuttingDown && !m.held && !m.child) start(m);
    persist();
  };

  const shutdown = async () => {
    if (shuttingDown) return;
    shuttingDown = true;
    // Reverse start order: agents first, etcd last, the load balancer at the very end.
    const order = [...managed.values()].reverse();
    for (const m of order) await stop(m, 'SIGTERM', true);
    await closeLoadBalancer();
    persist();
    server.close();
    process.exit(0);
  };

  server = createServer(async (req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const url = new URL(req.url ?? '/', 'http://supervisor');
    const [, resource, id, action] = url.pathname.split('/');
    if (req.method === 'GET' && resource === 'status')
      return reply(
        200,
        [...managed.values()].map((m) => m.state),
      );
    if (req.method === 'POST' && resource === 'shutdown') {
      reply(202, { shuttingDown: true });
      return void shutdown();
    }
    const m = id ? managed.get(id) : undefined;
    if (resource !== 'components' || !m) return reply(404, { error: `no component ${id}` });
    if (req.method === 'POST' && action === 'stop') {
      const signal = (url.searchParams.get('signal') ?? 'SIGTERM') as NodeJS.Signals;
      clearTimeout(m.replacement);
      await stop(m, signal, url.searchParams.get('hold') !== 'false');
      // As an autoscaling group replaces a terminated instance: start it again after a delay, unless started first.
      const replaceAfterMs = Number(url.searchParams.get('replaceAfterMs') ?? Number.NaN);
      if (Number.isFinite(replaceAfterMs)) {
        m.replacement = setTimeout(() => {
          m.held = false;
          if (!m.child && !shuttingDown) start(m);
          persist();
        }, replaceAfterMs);
      }
      persist();
      return reply(200, m.state);
    }
    if (req.method === 'POST' && (action === 'pause' || action === 'resume')) {
      // SIGSTOP/SIGCONT: the process freezes with its connections open, as a hung or partitioned host does.
      // Not running: nothing is frozen (a restart starts it unpaused), so resume is done and pause is refused.
      if (!m.child)
        return action === 'resume'
          ? reply(200, m.state)
          : reply(409, { error: `${m.spec.id} is not running` });
      m.child.kill(action === 'pause' ? 'SIGSTOP' : 'SIGCONT');
      m.state = { ...m.state, status: action === 'pause' ? 'paused' : 'running' };
      persist();
      return reply(200, m.state);
    }
    if (req.method === 'POST' && action === 'start') {
      clearTimeout(m.replacement);
      m.held = false;
      if (!m.child) start(m);
      persist();
      return reply(200, m.state);
    }
    return reply(405, { error: `unsupported ${req.method} ${url.pathname}` });
  });
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  // The cluster's endpoint lives in this process: one less runtime to boot on every `cluster up`.
  const listeners = await Promise.all(
    [spec.loadBalancer.listen, ...(spec.loadBalancer.alsoListen ?? [])].map((listen) =>
      startLoadBalancer(listen, spec.loadBalancer.backends, (backend) =>
        apiReady(`https://${backend.host}:${backend.port}`, dir, 1000),
      ),
    ),
  );
  const closeLoadBalancer = async () => {
    await Promise.all(listeners.map((close) => close()));
  };

  for (const component of spec.components) {
    const m: Managed = {
      spec: component,
      state: { id: component.id, kind: component.kind, status: 'waiting', restarts: 0 },
      held: false,
      recentRestarts: [],
    };
    managed.set(component.id, m);
    if (component.startWhen === 'at-once') start(m);
  }
  persist();
  void startWhenApiReady([...managed.values()].filter((m) => m.spec.startWhen === 'api-ready'));
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
}
