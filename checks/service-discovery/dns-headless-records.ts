import type { Check, CheckContext } from '../check.ts';
import { checkA, checkSrv, clusterDns, dnsPollIntervalMs, firstProblem } from './cluster-dns.ts';
import { expectedEndpoints } from './endpoint-expectation.ts';
import { endpointSliceGraceMs } from './endpoint-slices.ts';
import { createHeadlessFixtures, headlessName, headlessPods, headlessPort } from './headless-service.ts';
import { ServiceView } from './service-view.ts';
import { untilRight, watchVerdict } from './verdict.ts';

/**
 * The cluster's DNS answers for a headless Service: A <svc>.<ns>.svc.<domain> lists the ready pods' IPs,
 * each pod with a hostname and the Service as subdomain has A <hostname>.<svc>.<ns>.svc.<domain>, and SRV
 * _<port>._<proto>.<svc>... names one target per ready pod.
 *
 * Mirrors upstream "[sig-network] DNS should provide DNS for services [Conformance]" (headless A and SRV) and
 * "[sig-network] DNS should provide DNS for pods for Hostname [Conformance]" (hostname.subdomain records).
 * The expectation comes from the pods themselves, so it fails too when EndpointSlices do not follow them.
 */
export const dnsHeadlessRecordsCheck: Check = {
  name: 'dns-headless-records',
  tags: ['ServiceDiscovery'],
  setup: createHeadlessFixtures,

  async assess(ctx, deadline) {
    const dns = clusterDns(ctx);
    if ('skipped' in dns) return { status: 'skipped', reason: dns.skipped };
    const view = new ServiceView(ctx, headlessName);
    await view.start();
    try {
      return await untilRight(view, judge(ctx, view, true), deadline, {
        what: `DNS records of headless Service ${ctx.namespace}/${headlessName} from ${dns.server}`,
        pollMs: dnsPollIntervalMs,
      });
    } finally {
      view.stop();
    }
  },

  async monitor(ctx, signal, emit) {
    if ('skipped' in clusterDns(ctx)) return;
    const view = new ServiceView(ctx, headlessName);
    await view.start();
    try {
      await watchVerdict(view, judge(ctx, view, false), signal, emit, {
        graceMs: endpointSliceGraceMs,
        pollMs: dnsPollIntervalMs,
      });
    } finally {
      view.stop();
    }
  },

  async teardown() {},
};

function judge(ctx: CheckContext, view: ServiceView, needAllReady: boolean) {
  const dns = clusterDns(ctx);
  return async () => {
    if ('skipped' in dns) return dns.skipped;
    const svc = view.service();
    const subject = `headless Service ${ctx.namespace}/${headlessName}`;
    if (!svc) return `${subject} does not exist`;
    const ready = expectedEndpoints(svc, view.pods()).filter((e) => e.ready);
    if (needAllReady && ready.length < headlessPods.length)
      return `${subject}: ${ready.length} of ${headlessPods.length} pods ready, waiting before asking DNS`;
    if (ready.length === 0) return `${subject}: no ready pods to resolve to`;
    const fqdn = `${headlessName}.${ctx.namespace}.svc.${dns.domain}`;
    return firstProblem([
      checkA(
        dns,
        fqdn,
        ready.map((e) => e.address),
        `IPs of the ready pods of ${subject}`,
      ),
      ...ready
        .filter((e) => e.hostname)
        .map((e) => checkA(dns, `${e.hostname}.${fqdn}`, [e.address], `IP of pod ${ctx.namespace}/${e.pod}`)),
      checkSrv(
        dns,
        `_${headlessPort.name}._tcp.${fqdn}`,
        ready.map((e) => ({
          target: `${e.hostname ?? e.address.replaceAll('.', '-')}.${fqdn}`,
          port: headlessPort.containerPort,
        })),
        `one target per ready pod of ${subject}`,
      ),
    ]);
  };
}
