import { DiscoveryV1Api, type V1ServicePort } from '@kubernetes/client-node';
import { ConfigError, InfrastructureError } from '../../errors.ts';
import type { Kube } from '../../kube/client.ts';

/** A workload Service to load: its VIP and port (from inside), and one ready endpoint pod (for a port-forward). */
export interface ServiceTarget {
  namespace: string;
  name: string;
  /** "None" for a headless Service. */
  clusterIP: string;
  port: V1ServicePort;
}

/** Parses `<namespace>/<name>`, the way `gauntlet load service` names a Service. */
export function parseServiceRef(ref: string): { namespace: string; name: string } {
  const match = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-a-z0-9]*[a-z0-9])?)$/.exec(ref);
  if (!match) throw new ConfigError(`load service: expected a Service as <namespace>/<name>, got "${ref}"`);
  return { namespace: match[1]!, name: match[3]! };
}

/** Reads the Service and picks its port: `port` by name or number, else its first. */
export async function resolveServiceTarget(kube: Kube, ref: string, port?: string): Promise<ServiceTarget> {
  const { namespace, name } = parseServiceRef(ref);
  const service = await kube.core
    .readNamespacedService({ name, namespace })
    .catch((error: { code?: number }) => {
      if (error.code === 404) throw new InfrastructureError(`load service: no Service ${namespace}/${name}`);
      throw error;
    });
  const ports = service.spec?.ports ?? [];
  const chosen =
    port === undefined ? ports[0] : ports.find((p) => p.name === port || String(p.port) === port);
  if (!chosen) {
    const known = ports.map((p) => (p.name ? `${p.name} (${p.port})` : String(p.port))).join(', ') || 'none';
    throw new ConfigError(
      `load service: --port ${port ?? '(first)'}: Service ${namespace}/${name} has no such port (its ports: ${known})`,
    );
  }
  return { namespace, name, clusterIP: service.spec?.clusterIP ?? 'None', port: chosen };
}

/** The Service's VIP, which loading it from inside goes through; a headless Service has none. */
export function serviceVip(t: ServiceTarget): string {
  if (t.clusterIP === 'None' || t.clusterIP === '')
    throw new InfrastructureError(
      `load service: Service ${t.namespace}/${t.name} is headless: it has no VIP to load from inside`,
    );
  return t.clusterIP;
}

/** A ready endpoint pod of the Service and the pod port its chosen Service port lands on. */
export async function readyEndpointPod(
  kube: Kube,
  t: ServiceTarget,
): Promise<{ pod: string; podPort: number }> {
  const discovery = kube.config.makeApiClient(DiscoveryV1Api);
  const slices = await discovery.listNamespacedEndpointSlice({
    namespace: t.namespace,
    labelSelector: `kubernetes.io/service-name=${t.name}`,
  });
  for (const slice of slices.items) {
    const port = slice.ports?.find((p) => (p.name ?? '') === (t.port.name ?? ''));
    const endpoint = (slice.endpoints ?? []).find(
      (e) => e.conditions?.ready !== false && e.targetRef?.kind === 'Pod' && e.targetRef.name,
    );
    if (port?.port && endpoint) return { pod: endpoint.targetRef!.name!, podPort: port.port };
  }
  throw new InfrastructureError(
    `load service: Service ${t.namespace}/${t.name} has no ready endpoint pod to port-forward to ` +
      '(a port-forward reaches one pod; --from inside goes through the VIP)',
  );
}
