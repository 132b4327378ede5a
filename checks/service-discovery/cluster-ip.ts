import { isIPv4, isIPv6 } from 'node:net';
import { CustomObjectsApi, type V1Service } from '@kubernetes/client-node';
import type { Check, CheckContext } from '../check.ts';
import { service } from './service-fixtures.ts';
import { ServiceView } from './service-view.ts';
import { untilRight, watchVerdict } from './verdict.ts';

const name = 'api';
const allocated = new WeakMap<CheckContext, string>();

/**
 * A Service of type ClusterIP gets a virtual IP at creation, consistent in clusterIP/clusterIPs, used by no
 * other Service, recorded as an IPAddress object that names it, and kept for the Service's life; the
 * apiserver's own Service default/kubernetes has one too, serving https on 443.
 *
 * Mirrors upstream "[sig-network] Services should provide secure master service [Conformance]" and the
 * allocation assertions of "[sig-network] Services should serve a basic endpoint from pods [Conformance]".
 */
export const clusterIpCheck: Check = {
  name: 'cluster-ip',
  tags: ['ServiceDiscovery'],

  async setup(ctx) {
    const created = await ctx.kube.core.createNamespacedService({
      namespace: ctx.namespace,
      body: service(ctx, name, {
        selector: { app: name },
        ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
      }),
    });
    if (created.spec?.clusterIP) allocated.set(ctx, created.spec.clusterIP);
  },

  async assess(ctx, deadline) {
    const ns = ctx.namespace;
    const svc = await ctx.kube.core.readNamespacedService({ name, namespace: ns });
    const ip = svc.spec?.clusterIP;
    const subject = `Service ${ns}/${name}`;
    if (!ip || ip === 'None' || !(isIPv4(ip) || isIPv6(ip)))
      return {
        status: 'failed',
        message: `${subject} has clusterIP "${ip ?? ''}", expected an allocated IP address`,
      };
    if (svc.spec?.clusterIPs?.[0] !== ip)
      return {
        status: 'failed',
        message: `${subject} has clusterIPs [${svc.spec?.clusterIPs?.join(', ')}], expected its first to be clusterIP ${ip}`,
      };
    const all = await ctx.kube.core.listServiceForAllNamespaces();
    const sharing = all.items.filter(
      (s) => s !== svc && s.spec?.clusterIP === ip && s.metadata?.uid !== svc.metadata?.uid,
    );
    if (sharing.length > 0)
      return {
        status: 'failed',
        message: `${subject} has clusterIP ${ip}, also held by ${sharing.map(nameOf).join(', ')}; expected it unique`,
      };

    const ipAddressProblem = await ipAddressRecord(ctx, ip, svc);
    if (ipAddressProblem) return { status: 'failed', message: ipAddressProblem };

    const master = await ctx.kube.core
      .readNamespacedService({ name: 'kubernetes', namespace: 'default' })
      .catch(() => undefined);
    const https = master?.spec?.ports?.find((p) => p.name === 'https');
    if (!master?.spec?.clusterIP || https?.port !== 443)
      return {
        status: 'failed',
        message: `Service default/kubernetes: clusterIP "${master?.spec?.clusterIP ?? '(missing Service)'}", https port ${https?.port ?? 'none'}; expected an allocated IP serving https on 443`,
      };

    // Allocation is synchronous, so this only confirms the watch agrees: a view that sees the same IP.
    const view = new ServiceView(ctx, name);
    await view.start();
    try {
      const seen = await untilRight(view, () => judge(ctx, view), deadline, {
        what: `${subject} in the watch`,
      });
      if (seen.status !== 'passed') return seen;
    } finally {
      view.stop();
    }
    return { status: 'passed', detail: `${subject} has ${ip}` };
  },

  async monitor(ctx, signal, emit) {
    const view = new ServiceView(ctx, name);
    await view.start();
    try {
      await watchVerdict(view, () => judge(ctx, view), signal, emit, { graceMs: 0 });
    } finally {
      view.stop();
    }
  },

  async teardown() {},
};

const nameOf = (s: V1Service) => `${s.metadata?.namespace}/${s.metadata?.name}`;

/** The Service must exist and keep the IP it was given at creation (clusterIP is immutable). */
function judge(ctx: CheckContext, view: ServiceView): string | undefined {
  const svc = view.service();
  const want = allocated.get(ctx);
  const subject = `Service ${ctx.namespace}/${name}`;
  if (!svc) return `${subject} is gone; expected it to keep clusterIP ${want}`;
  if (!svc.spec?.clusterIP || svc.spec.clusterIP === 'None')
    return `${subject} has no clusterIP; expected ${want ?? 'one'}`;
  if (want && svc.spec.clusterIP !== want)
    return `${subject} has clusterIP ${svc.spec.clusterIP}; expected ${want} for its whole life`;
  return undefined;
}

/** Since v1.33 (MultiCIDRServiceAllocator GA) each allocated IP is an IPAddress object referring to its Service. */
async function ipAddressRecord(ctx: CheckContext, ip: string, svc: V1Service): Promise<string | undefined> {
  const custom = ctx.kube.config.makeApiClient(CustomObjectsApi);
  const record = (await custom
    .getClusterCustomObject({ group: 'networking.k8s.io', version: 'v1', plural: 'ipaddresses', name: ip })
    .catch((error: { code?: number }) => (error.code === 404 ? null : Promise.reject(error)))) as {
    spec?: { parentRef?: { resource?: string; namespace?: string; name?: string } };
  } | null;
  const ref = record?.spec?.parentRef;
  if (
    ref?.resource === 'services' &&
    ref.namespace === svc.metadata?.namespace &&
    ref.name === svc.metadata?.name
  )
    return undefined;
  if (record === null) {
    // Older clusters allocate from a bitmap without IPAddress objects: nothing to compare with there.
    const probe = await custom
      .listClusterCustomObject({ group: 'networking.k8s.io', version: 'v1', plural: 'ipaddresses', limit: 1 })
      .then(
        () => true,
        () => false,
      );
    if (!probe) return undefined;
    return `IPAddress ${ip} does not exist; expected it to record the allocation for Service ${nameOf(svc)}`;
  }
  return `IPAddress ${ip} refers to ${ref?.resource}/${ref?.namespace}/${ref?.name}; expected services/${nameOf(svc)}`;
}
