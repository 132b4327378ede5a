import { PassThrough, Writable } from 'node:stream';
import type { V1Pod } from '@kubernetes/client-node';
import { execa } from 'execa';
import { realNodeLeftovers, realNodesUnavailable } from '../../clusters/local/real-nodes/node-host.ts';
import type { Kube } from '../../src/kube/client.ts';
import { watchUntil } from '../../src/kube/watch-until.ts';
import { findClusterProcesses } from '../../src/process/cluster-processes.ts';

/**
 * Real nodes need root, namespaces and Debian packages. Where the host cannot run them the tests skip with the
 * reason, unless GAUNTLET_REQUIRE_REAL_NODES=1 (CI on machines that can), which turns that into a failure.
 */
export async function realNodesOrSkip(ctx: Mocha.Context): Promise<void> {
  const why = await realNodesUnavailable();
  if (!why) return;
  if (process.env.GAUNTLET_REQUIRE_REAL_NODES === '1')
    throw new Error(`GAUNTLET_REQUIRE_REAL_NODES=1 but real nodes are unavailable: ${why}`);
  ctx.skip();
}

/** Runs a command in a pod's container; resolves with its stdout once it exits (through the API and kubelet). */
export async function podExec(
  kube: Kube,
  namespace: string,
  pod: string,
  command: string[],
): Promise<string> {
  const { Exec } = await import('@kubernetes/client-node');
  let stdout = '';
  let stderr = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk, _enc, done) {
        append(String(chunk));
        done();
      },
    });
  return new Promise((resolve, reject) => {
    void new Exec(kube.config)
      .exec(
        namespace,
        pod,
        '',
        command,
        sink((s) => {
          stdout += s;
        }),
        sink((s) => {
          stderr += s;
        }),
        null,
        false,
        (status) => {
          if (status.status === 'Success') resolve(stdout);
          else reject(new Error(`exec ${command.join(' ')}: ${status.message ?? ''} ${stderr}`));
        },
      )
      .catch(reject);
  });
}

/** One HTTP/1.0 GET through `kubectl port-forward`'s protocol (the kubelet's streaming server); the response text. */
export async function portForwardGet(
  kube: Kube,
  namespace: string,
  pod: string,
  port: number,
): Promise<string> {
  const { PortForward } = await import('@kubernetes/client-node');
  const input = new PassThrough();
  let output = '';
  const done = new Promise<string>((resolve) => {
    const out = new Writable({
      write(chunk, _enc, next) {
        output += String(chunk);
        next();
      },
    });
    out.on('finish', () => resolve(output));
    void new PortForward(kube.config).portForward(namespace, pod, [port], out, null, input).then((ws) => {
      const socket = typeof ws === 'function' ? ws() : ws;
      socket?.on('close', () => resolve(output));
    });
  });
  input.write('GET / HTTP/1.0\r\n\r\n');
  return done;
}

export async function waitForPodsRunning(
  kube: Kube,
  namespace: string,
  labelSelector: string,
  count: number,
  timeoutMs = 60_000,
): Promise<V1Pod[]> {
  return watchUntil<V1Pod, V1Pod[]>(kube, {
    list: () => kube.core.listNamespacedPod({ namespace, labelSelector }),
    path: `/api/v1/namespaces/${namespace}/pods`,
    query: { labelSelector },
    done: (pods) => {
      const ready = pods.filter(
        (p) =>
          p.status?.phase === 'Running' &&
          p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      );
      return ready.length >= count ? ready : undefined;
    },
    what: `${count} pods ${labelSelector} Running and Ready`,
    timeoutMs,
  });
}

/** What a cluster's real nodes could leave on the host: processes, links, cgroups, mounts, iptables rules. */
export async function hostTraces(uid: string): Promise<string[]> {
  const processes = (await findClusterProcesses(uid)).map((p) => `process ${p.pid} ${p.command}`);
  return [...processes, ...(await realNodeLeftovers(uid))];
}

/** The host's own iptables rules (every table), to compare before and after. */
export async function hostIptables(): Promise<string> {
  const r = await execa('iptables-save', [], { reject: false });
  return String(r.stdout)
    .split('\n')
    .filter((l) => !l.startsWith('#') && !/^:\S+ \S+ \[\d+:\d+\]$/.test(l))
    .map((l) => l.replace(/\[\d+:\d+\]/g, ''))
    .join('\n');
}
