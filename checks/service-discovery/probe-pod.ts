import { Writable } from 'node:stream';
import { Exec, type V1Pod, type V1Status } from '@kubernetes/client-node';
import { toolboxImages } from '../../clusters/local/real-nodes/node-images.ts';
import { nodeKindLabel } from '../../clusters/local/real-nodes/node-plan.ts';
import type { CheckContext } from '../check.ts';
import { collections } from '../support/collections.ts';
import { waitFor } from '../support/wait-for.ts';

/** Upstream's DNS conformance image: dig and nslookup, nothing else. Overridable for mirrors (checks.probeImage). */
export const defaultProbeImage = 'registry.k8s.io/e2e-test-images/jessie-dnsutils:1.7';

/** A pod spec for running one-off commands in the cluster's own network and DNS, as upstream's e2e tests do. */
export function probePodSpec(ctx: CheckContext, name: string, command: string[]): V1Pod {
  // The embedded cluster's real nodes have no route out: its offline toolbox image (busybox), on a real node.
  const realNodes = ctx.cluster.local?.realNodes !== undefined;
  // Elsewhere, the nodes the capability probe saw run a container (kwok nodes beside real ones run none).
  const containers = ctx.capabilities.containers;
  const runsContainers = !realNodes && containers.available ? containers.nodes : undefined;
  return {
    metadata: { name, namespace: ctx.namespace, labels: { ...ctx.labels, 'gauntlet.dev/probe': name } },
    spec: {
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 0,
      ...(realNodes ? { nodeSelector: { [nodeKindLabel]: 'real' } } : {}),
      ...(runsContainers
        ? {
            affinity: {
              nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [runsContainers] },
              },
            },
          }
        : {}),
      containers: [
        {
          name: 'probe',
          image: realNodes ? toolboxImages[0]! : (ctx.probe?.image ?? defaultProbeImage),
          imagePullPolicy: 'IfNotPresent',
          command,
          resources: { requests: { cpu: '10m', memory: '16Mi' } },
          securityContext: { allowPrivilegeEscalation: false, runAsNonRoot: false },
        },
      ],
    },
  };
}

/** Starts a long-lived probe pod and returns once it is Running (image pulls are the slow part). */
export async function startProbePod(ctx: CheckContext, name: string, timeoutMs: number): Promise<ProbePod> {
  await ctx.kube.core.createNamespacedPod({
    namespace: ctx.namespace,
    body: probePodSpec(ctx, name, ['sleep', '3600']),
  });
  await waitFor(ctx.kube, collections.pods(ctx.kube, ctx.namespace, `gauntlet.dev/probe=${name}`), {
    done: (pods) => (pods[0]?.status?.phase === 'Running' ? true : undefined),
    what: `probe pod ${ctx.namespace}/${name} Running (image ${ctx.probe?.image ?? defaultProbeImage})`,
    progress: (pods) =>
      pods
        .flatMap((p) => p.status?.containerStatuses ?? [])
        .map((c) => c.state?.waiting?.reason ?? 'starting')
        .join(', ') || 'not created',
    timeoutMs,
  });
  return new ProbePod(ctx, name);
}

export class ProbePod {
  constructor(
    private readonly ctx: CheckContext,
    readonly name: string,
  ) {}

  /** Runs a command in the probe pod; resolves with its output once the exec stream reports the exit status. */
  async exec(command: string[], timeoutMs: number): Promise<{ stdout: string; exitCode: number }> {
    let stdout = '';
    const sink = new Writable({
      write(chunk, _encoding, done) {
        stdout += chunk.toString();
        done();
      },
    });
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new Error(`exec ${command.join(' ')} in ${this.name}: no answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const onStatus = (status: V1Status) => {
        clearTimeout(timer);
        const code = status.status === 'Success' ? 0 : Number(status.details?.causes?.[0]?.message ?? 1);
        resolve({ stdout, exitCode: code });
      };
      new Exec(this.ctx.kube.config)
        .exec(this.ctx.namespace, this.name, 'probe', command, sink, null, null, false, onStatus)
        .catch((error: Error) => {
          clearTimeout(timer);
          reject(error);
        });
    });
  }
}
