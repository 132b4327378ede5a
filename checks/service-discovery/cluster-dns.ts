import { Resolver } from 'node:dns/promises';
import type { CheckContext } from '../check.ts';
import { aAddresses, type DigResult, parseDig, srvRecords } from './dig-output.ts';
import { type ProbePod, startProbePod } from './probe-pod.ts';

/** The two lookups the DNS checks make, answered by node's resolver or by dig in a probe pod. */
export interface DnsLookups {
  resolve4(name: string): Promise<string[]>;
  resolveSrv(name: string): Promise<{ name: string; port: number }[]>;
}

export interface ClusterDnsAccess {
  resolver: DnsLookups;
  /** Where answers come from, for messages: host:port, or the probe pod. */
  server: string;
  /** The domain the cluster's pods use: what names must resolve under. */
  domain: string;
}

/** How often DNS is asked again when no API event prompts it: DNS answers cannot be watched. */
export const dnsPollIntervalMs = 250;
/** Pulling the probe image on a fresh node is the slow part. */
const probeStartTimeoutMs = 120_000;

/**
 * The cluster's DNS server as the check can ask it, or why it cannot: the embedded cluster's CoreDNS listens on
 * loopback and is asked directly; an existing cluster's DNS answers inside it only, so a probe pod in the check's
 * namespace asks it with dig, as a workload would (its resolv.conf points at the cluster DNS).
 */
export function clusterDns(ctx: CheckContext): ClusterDnsAccess | { skipped: string } {
  const local = ctx.cluster.local;
  if (!local) {
    const containers = ctx.capabilities.containers;
    if (!containers.available)
      return {
        skipped: `pods on this cluster run no containers (${containers.reason}), so no probe pod can ask its DNS`,
      };
    const domain = ctx.probe?.clusterDomain ?? 'cluster.local';
    return { resolver: new ProbePodLookups(ctx), server: `a probe pod in ${ctx.namespace}`, domain };
  }
  if (!local.dns)
    return {
      skipped:
        'CoreDNS is disabled in this embedded cluster (cluster.local.components.coredns.enabled: false)',
    };
  // One try, short timeout: a silent server shows up as ETIMEOUT within the assess deadline, not after it.
  const resolver = new Resolver({ timeout: 1000, tries: 1 });
  const server = `${local.dns.server.host}:${local.dns.server.port}`;
  resolver.setServers([server]);
  return { resolver, server, domain: local.dns.clusterDomain };
}

/** Started on the first lookup, shared by every lookup of the check's namespace, deleted with the namespace. */
const probes = new Map<string, Promise<ProbePod>>();

class ProbePodLookups implements DnsLookups {
  constructor(private readonly ctx: CheckContext) {}

  private async dig(type: 'A' | 'SRV', name: string): Promise<DigResult> {
    let probe = probes.get(this.ctx.namespace);
    if (!probe) {
      probe = startProbePod(this.ctx, 'dns-probe', probeStartTimeoutMs);
      probes.set(this.ctx.namespace, probe);
      probe.catch(() => probes.delete(this.ctx.namespace));
    }
    const { stdout } = await (await probe).exec(
      ['dig', '+time=1', '+tries=1', '+noall', '+comments', '+answer', type, name],
      5_000,
    );
    const result = parseDig(stdout, type);
    // Errors shaped like node's resolver's, so the checks' messages read the same on both paths.
    if (result.status === 'NXDOMAIN') throw Object.assign(new Error(name), { code: 'ENOTFOUND' });
    if (result.status !== 'NOERROR') throw Object.assign(new Error(name), { code: result.status });
    if (result.answers.length === 0) throw Object.assign(new Error(name), { code: 'ENODATA' });
    return result;
  }

  async resolve4(name: string): Promise<string[]> {
    return aAddresses(await this.dig('A', name));
  }

  async resolveSrv(name: string): Promise<{ name: string; port: number }[]> {
    return srvRecords(await this.dig('SRV', name));
  }
}

type Answer<T> = { ok: T } | { error: string };

async function ask<T>(query: () => Promise<T>): Promise<Answer<T>> {
  try {
    return { ok: await query() };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    return { error: code === 'ENOTFOUND' ? 'NXDOMAIN' : String(code).replace(/^E/, '') };
  }
}

/** Compares the A answer for name with the expected addresses; returns the problem, if any. */
export async function checkA(
  dns: ClusterDnsAccess,
  name: string,
  want: string[],
  why: string,
): Promise<string | undefined> {
  const answer = await ask(() => dns.resolver.resolve4(name));
  const expected = [...want].sort().join(', ');
  if ('error' in answer)
    return `A ${name} from ${dns.server}: ${answer.error}; expected ${expected} (${why})`;
  const got = [...answer.ok].sort().join(', ');
  return got === expected ? undefined : `A ${name} from ${dns.server}: ${got}; expected ${expected} (${why})`;
}

/** Compares the SRV answer (target:port pairs) for name with the expected ones. */
export async function checkSrv(
  dns: ClusterDnsAccess,
  name: string,
  want: { target: string; port: number }[],
  why: string,
): Promise<string | undefined> {
  const answer = await ask(() => dns.resolver.resolveSrv(name));
  const expected = want
    .map((w) => `${w.target}:${w.port}`)
    .sort()
    .join(', ');
  if ('error' in answer)
    return `SRV ${name} from ${dns.server}: ${answer.error}; expected ${expected} (${why})`;
  const got = answer.ok
    .map((r) => `${r.name}:${r.port}`)
    .sort()
    .join(', ');
  return got === expected
    ? undefined
    : `SRV ${name} from ${dns.server}: ${got}; expected ${expected} (${why})`;
}

/** The first problem of several DNS questions asked together. */
export async function firstProblem(questions: Promise<string | undefined>[]): Promise<string | undefined> {
  return (await Promise.all(questions)).find((p) => p !== undefined);
}
