import type { V1EndpointSlice, V1Pod, V1Service } from '@kubernetes/client-node';

/** What the EndpointSlice controller must publish for one pod, derived from the pod and the Service alone. */
export interface ExpectedEndpoint {
  pod: string;
  address: string;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  /** "name/protocol/port", sorted: the Service's ports resolved against this pod's container ports. */
  ports: string[];
  hostname?: string;
}

export const serviceNameLabel = 'kubernetes.io/service-name';

export function selects(
  selector: Record<string, string> | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

export function isPodReady(pod: V1Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** The Service's ports for this pod; a named targetPort the pod does not declare is left out, as upstream does. */
export function resolvePorts(service: V1Service, pod: V1Pod): string[] {
  const containerPorts = (pod.spec?.containers ?? []).flatMap((c) => c.ports ?? []);
  const ports: string[] = [];
  for (const sp of service.spec?.ports ?? []) {
    const protocol = sp.protocol ?? 'TCP';
    const target = sp.targetPort ?? sp.port;
    let number: number | undefined;
    if (typeof target === 'number' || /^\d+$/.test(String(target))) number = Number(target);
    else
      number = containerPorts.find(
        (cp) => cp.name === target && (cp.protocol ?? 'TCP') === protocol,
      )?.containerPort;
    if (number !== undefined) ports.push(`${sp.name ?? ''}/${protocol}/${number}`);
  }
  return ports.sort();
}

/**
 * The endpoints upstream's EndpointSlice controller publishes (k8s.io/endpointslice podToEndpoint): every
 * selected pod that has an IP and is not finished, terminating ones included; ready only when serving and
 * not terminating (unless publishNotReadyAddresses); hostname when the pod's subdomain names the Service.
 */
export function expectedEndpoints(service: V1Service, pods: readonly V1Pod[]): ExpectedEndpoint[] {
  const namespace = service.metadata?.namespace;
  const publishNotReady = service.spec?.publishNotReadyAddresses === true;
  return pods
    .filter(
      (p) =>
        p.metadata?.namespace === namespace &&
        selects(service.spec?.selector, p.metadata?.labels) &&
        Boolean(p.status?.podIP) &&
        p.status?.phase !== 'Succeeded' &&
        p.status?.phase !== 'Failed',
    )
    .map((p) => {
      const serving = isPodReady(p);
      const terminating = Boolean(p.metadata?.deletionTimestamp);
      const hostname =
        p.spec?.hostname && p.spec.subdomain === service.metadata?.name ? p.spec.hostname : undefined;
      return {
        pod: p.metadata!.name!,
        address: p.status!.podIP!,
        ready: publishNotReady || (serving && !terminating),
        serving,
        terminating,
        ports: resolvePorts(service, p),
        ...(hostname ? { hostname } : {}),
      };
    })
    .sort((a, b) => a.pod.localeCompare(b.pod));
}

interface PublishedEndpoint {
  slice: string;
  address: string;
  pod?: string;
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
  ports: string[];
  hostname?: string;
}

function published(slices: readonly V1EndpointSlice[]): PublishedEndpoint[] {
  return slices.flatMap((s) => {
    const ports = (s.ports ?? []).map((p) => `${p.name ?? ''}/${p.protocol ?? 'TCP'}/${p.port}`).sort();
    return (s.endpoints ?? []).flatMap((e) =>
      e.addresses.map((address) => ({
        slice: s.metadata?.name ?? '?',
        address,
        pod: e.targetRef?.kind === 'Pod' ? e.targetRef.name : undefined,
        ready: e.conditions?.ready,
        serving: e.conditions?.serving,
        terminating: e.conditions?.terminating,
        ports,
        ...(e.hostname ? { hostname: e.hostname } : {}),
      })),
    );
  });
}

const flag = (v: boolean | undefined) => (v === undefined ? 'unset' : String(v));

/**
 * Compares the Service's EndpointSlices with its pods. Returns undefined when they agree, else one line
 * naming the Service, what is wrong, and what was expected.
 */
export function endpointSliceMismatch(
  namespace: string,
  serviceName: string,
  service: V1Service | undefined,
  pods: readonly V1Pod[],
  slices: readonly V1EndpointSlice[],
): string | undefined {
  const subject = `EndpointSlices of Service ${namespace}/${serviceName}`;
  if (!service)
    return `Service ${namespace}/${serviceName} does not exist (expected it with its EndpointSlices)`;
  const expected = expectedEndpoints(service, pods);
  const actual = published(slices.filter((s) => s.metadata?.labels?.[serviceNameLabel] === serviceName));
  const problems: string[] = [];
  for (const want of expected) {
    const found = actual.filter((a) => a.address === want.address);
    const podState = `pod ${want.pod} (${want.address}, ${want.terminating ? 'terminating' : want.serving ? 'Ready' : 'not Ready'})`;
    if (found.length === 0) {
      problems.push(`${podState} is not listed`);
      continue;
    }
    if (found.length > 1) problems.push(`${podState} is listed ${found.length} times`);
    const got = found[0]!;
    if (got.pod !== want.pod)
      problems.push(`${want.address} refers to pod ${got.pod ?? '(none)'}, expected ${want.pod}`);
    const conditions = (['ready', 'serving', 'terminating'] as const).filter((c) => got[c] !== want[c]);
    if (conditions.length > 0) {
      problems.push(
        `${podState} has ${conditions.map((c) => `${c}=${flag(got[c])}`).join(', ')}, expected ${conditions.map((c) => `${c}=${want[c]}`).join(', ')}`,
      );
    }
    if (got.ports.join(',') !== want.ports.join(','))
      problems.push(
        `${podState} has ports [${got.ports.join(', ')}] in slice ${got.slice}, expected [${want.ports.join(', ')}]`,
      );
    if ((got.hostname ?? '') !== (want.hostname ?? ''))
      problems.push(`${podState} has hostname "${got.hostname ?? ''}", expected "${want.hostname ?? ''}"`);
  }
  const expectedAddresses = new Set(expected.map((e) => e.address));
  for (const extra of actual.filter((a) => !expectedAddresses.has(a.address)))
    problems.push(
      `slice ${extra.slice} lists ${extra.address} (pod ${extra.pod ?? '?'}), which no selected pod has`,
    );
  if (problems.length === 0) return undefined;
  const ready = expected.filter((e) => e.ready).length;
  const shown = problems.slice(0, 3).join('; ');
  const more = problems.length > 3 ? ` (+${problems.length - 3} more)` : '';
  return `${subject}: ${shown}${more}; expected exactly the ${expected.length} pods its selector picks (${ready} ready) in ${slices.length} slices seen`;
}
