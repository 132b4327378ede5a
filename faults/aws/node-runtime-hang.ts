import { randomBytes } from 'node:crypto';
import type { V1Pod } from '@kubernetes/client-node';
import { RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { z } from 'zod';
import { ConfigError } from '../../src/errors.ts';
import type { Kube } from '../../src/kube/client.ts';
import type { Fault } from '../fault.ts';

export const hangLabel = 'gauntlet.dev/fault';
const faultName = 'node-runtime-hang';
/** The identity the hang pod reads its own Pod with: get on pods in its namespace, nothing else. */
export const hangAccount = 'gauntlet-runtime-hang';

const spec = z.strictObject({
  runtime: z.enum(['containerd', 'dockerd']).default('containerd'),
  /** The pod resumes the runtime by itself after this long, even if nobody reverts (the harness died). */
  maxDurationSeconds: z.number().int().min(10).max(3600).default(600),
  /** Any image with a POSIX sh, pidof, kill, date and a wget that speaks HTTPS (busybox, alpine). */
  image: z.string().min(1).default('busybox:1.36'),
  namespace: z.string().min(1).default('kube-system'),
});
type Spec = z.infer<typeof spec>;

const undo = z.object({ namespace: z.string().min(1), pod: z.string().min(1), node: z.string().min(1) });
type Undo = z.infer<typeof undo>;

/**
 * The script the privileged pod runs (hostPID: it sees and signals the node's processes). It SIGSTOPs the
 * runtime, then polls its own Pod through the API with its service-account token, and SIGCONTs the runtime when
 * the Pod is being deleted (the revert), when it cannot tell (API unreachable, token revoked: resuming is the
 * safe side), when the maximum duration is over, or when it is itself terminated. The poll cannot go through
 * the runtime (exec, or the kubelet stopping the container), which is exactly what is hung.
 */
export const hangScript = `set -u
pid=$(pidof "$RUNTIME") || { echo "no $RUNTIME process on this node"; exit 1; }
resume() { kill -CONT $pid; echo "resumed $RUNTIME (pid $pid)"; }
trap 'resume; exit 0' TERM INT
kill -STOP $pid
echo "stopped $RUNTIME (pid $pid) for at most $MAX_SECONDS s"
end=$(( $(date +%s) + MAX_SECONDS ))
token=$(cat "$TOKEN_FILE")
url="\${API_URL:-https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT}/api/v1/namespaces/$POD_NAMESPACE/pods/$POD_NAME"
while [ "$(date +%s)" -lt "$end" ]; do
  body=$(wget -q -T 5 -O - --no-check-certificate --header "Authorization: Bearer $token" "$url" 2>/dev/null) || break
  case "$body" in *deletionTimestamp*) break ;; esac
  sleep 1
done
resume
`;

/** The pod: pinned to the node, privileged, in the host's PID namespace, tolerating every taint. */
export function hangPod(s: Spec, node: string, name: string, runId: string): V1Pod {
  return {
    metadata: {
      name,
      namespace: s.namespace,
      labels: { [hangLabel]: faultName, 'gauntlet.dev/run-id': runId },
    },
    spec: {
      nodeName: node,
      hostPID: true,
      hostNetwork: true,
      restartPolicy: 'Never',
      serviceAccountName: hangAccount,
      tolerations: [{ operator: 'Exists' }],
      terminationGracePeriodSeconds: 30,
      containers: [
        {
          name: 'hang',
          image: s.image,
          command: ['sh', '-c', hangScript],
          env: [
            { name: 'RUNTIME', value: s.runtime },
            { name: 'MAX_SECONDS', value: String(s.maxDurationSeconds) },
            { name: 'TOKEN_FILE', value: '/var/run/secrets/kubernetes.io/serviceaccount/token' },
            { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
          ],
          securityContext: { privileged: true },
          resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '32Mi' } },
        },
      ],
    },
  };
}

const ignore =
  (...codes: number[]) =>
  (error: { code?: number }) => {
    if (!codes.includes(error.code ?? 0)) throw error;
  };

/** The service account and its one permission; created once per namespace, kept while any hang pod exists. */
async function ensureAccount(kube: Kube, namespace: string): Promise<void> {
  const rbac = kube.config.makeApiClient(RbacAuthorizationV1Api);
  const metadata = { name: hangAccount, namespace, labels: { [hangLabel]: faultName } };
  await kube.core.createNamespacedServiceAccount({ namespace, body: { metadata } }).catch(ignore(409));
  await rbac
    .createNamespacedRole({
      namespace,
      body: { metadata, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] },
    })
    .catch(ignore(409));
  await rbac
    .createNamespacedRoleBinding({
      namespace,
      body: {
        metadata,
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: hangAccount },
        subjects: [{ kind: 'ServiceAccount', name: hangAccount, namespace }],
      },
    })
    .catch(ignore(409));
}

async function removeAccountIfUnused(kube: Kube, namespace: string, except: string): Promise<void> {
  const pods = await kube.core.listNamespacedPod({ namespace, labelSelector: `${hangLabel}=${faultName}` });
  if (pods.items.some((p) => p.metadata?.name !== except && !p.metadata?.deletionTimestamp)) return;
  const rbac = kube.config.makeApiClient(RbacAuthorizationV1Api);
  // Revoking the token also tells a hang pod still polling to resume (it cannot read its Pod any more).
  await rbac.deleteNamespacedRoleBinding({ name: hangAccount, namespace }).catch(ignore(404));
  await rbac.deleteNamespacedRole({ name: hangAccount, namespace }).catch(ignore(404));
  await kube.core.deleteNamespacedServiceAccount({ name: hangAccount, namespace }).catch(ignore(404));
}

/**
 * The container runtime of a real node hangs: a privileged pod pinned to the node SIGSTOPs containerd (or
 * dockerd). The kubelet then reports PLEG not healthy and NotReady, and nothing on the node starts or stops.
 * Revert deletes the pod, which the pod notices through the API and answers with SIGCONT; if the harness died,
 * the ledger's revert (gauntlet recover) does the same, and the pod resumes the runtime on its own after
 * maxDurationSeconds in any case. Real nodes only: on kwok's simulated nodes the pod runs no container.
 */
export const nodeRuntimeHang: Fault<Spec, Undo> = {
  kind: 'node-runtime-hang',
  undo,
  summary:
    'the container runtime of a real node is SIGSTOPped from a privileged pod, resumed on revert or after a bound',
  spec,
  targets: 'node',
  backend: 'aws',
  describe: (s, target) =>
    `create a privileged hostPID pod in ${s.namespace} pinned to node/${target.kind === 'node' ? target.name : '?'} that ` +
    `SIGSTOPs ${s.runtime} and SIGCONTs it when the pod is deleted (revert) or after ${s.maxDurationSeconds} s`,
  async capture(_ctx, s, target) {
    if (target.kind !== 'node') throw new ConfigError('node-runtime-hang acts on nodes');
    const name = `gauntlet-runtime-hang-${randomBytes(4).toString('hex')}`;
    return { namespace: s.namespace, pod: name, node: target.name };
  },
  async apply(ctx, s, _target, undo) {
    await ensureAccount(ctx.kube, undo.namespace);
    await ctx.kube.core.createNamespacedPod({
      namespace: undo.namespace,
      body: hangPod(s, undo.node, undo.pod, ctx.runId ?? 'unknown'),
    });
  },
  async revert(ctx, undo) {
    await ctx.kube.core.deleteNamespacedPod({ name: undo.pod, namespace: undo.namespace }).catch(ignore(404));
    await removeAccountIfUnused(ctx.kube, undo.namespace, undo.pod);
  },
};
