import type { Check, CheckContext } from '../check.ts';
import { checkA, checkSrv, clusterDns, dnsPollIntervalMs, firstProblem } from './cluster-dns.ts';
import { endpointSliceGraceMs } from './endpoint-slices.ts';
import { service } from './service-fixtures.ts';
import { ServiceView } from './service-view.ts';
import { untilRight, watchVerdict } from './verdict.ts';

const name = 'web';

/**
 * The cluster's DNS answers for a ClusterIP Service: A <svc>.<ns>.svc.<domain> is the ClusterIP, SRV
 * _<port>._<proto>.<svc>.<ns>.svc.<domain> names the Service and its port, and kubernetes.default.svc.<domain>
 * is the apiserver's Service.
 *
 * Mirrors upstream "[sig-network] DNS should provide DNS for services [Conformance]" (A and SRV of a regular
 * Service) and "[sig-network] DNS should provide DNS for the cluster [Conformance]" (kubernetes.default).
 */
export const dnsServiceRecordsCheck: Check = {
  name: 'dns-service-records',
  tags: ['ServiceDiscovery'],

  async setup(ctx) {
    await ctx.kube.core.createNamespacedService({
      namespace: ctx.namespace,
      body: service(ctx, name, {
        selector: { app: name },
        ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
      }),
    });
  },

  async assess(ctx, deadline) {
    const dns = clusterDns(ctx);
    if ('skipped' in dns) return { status: 'skipped', reason: dns.skipped };
    const view = new ServiceView(ctx, name);
    await view.start();
    try {
      return await untilRight(view, judge(ctx, view), deadline, {
        what: `DNS records of Service ${ctx.namespace}/${name} from ${dns.server}`,
        pollMs: dnsPollIntervalMs,
      });
    } finally {
      view.stop();
    }
  },

  async monitor(ctx, signal, emit) {
    if ('skipped' in clusterDns(ctx)) return;
    const view = new ServiceView(ctx, name);
    await view.start();
    try {
      await watchVerdict(view, judge(ctx, view), signal, emit, {
        graceMs: endpointSliceGraceMs,
        pollMs: dnsPollIntervalMs,
      });
    } finally {
      view.stop();
    }
  },

  async teardown() {},
};

function judge(ctx: CheckContext, view: ServiceView) {
  const dns = clusterDns(ctx);
  let masterIp: string | undefined;
  return async () => {
    if ('skipped' in dns) return dns.skipped;
    const svc = view.service();
    const ip = svc?.spec?.clusterIP;
    if (!ip) return `Service ${ctx.namespace}/${name} has no clusterIP to resolve to`;
    masterIp ??= (await ctx.kube.core.readNamespacedService({ name: 'kubernetes', namespace: 'default' }))
      .spec?.clusterIP;
    const fqdn = `${name}.${ctx.namespace}.svc.${dns.domain}`;
    return firstProblem([
      checkA(dns, fqdn, [ip], `ClusterIP of Service ${ctx.namespace}/${name}`),
      checkSrv(
        dns,
        `_http._tcp.${fqdn}`,
        [{ target: fqdn, port: 80 }],
        `port http of Service ${ctx.namespace}/${name}`,
      ),
      checkA(
        dns,
        `kubernetes.default.svc.${dns.domain}`,
        masterIp ? [masterIp] : [],
        'ClusterIP of Service default/kubernetes',
      ),
    ]);
  };
}
