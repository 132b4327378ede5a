import { Resolver } from 'node:dns/promises';
import type { CheckContext } from '../check.ts';

export interface ClusterDnsAccess {
  resolver: Resolver;
  /** host:port, for messages. */
  server: string;
  /** The domain the cluster's pods use: what names must resolve under. */
  domain: string;
}

/** How often DNS is asked again when no API event prompts it: DNS answers cannot be watched. */
export const dnsPollIntervalMs = 250;

/**
 * The cluster's DNS server as this process can reach it, or why it cannot: the embedded cluster's CoreDNS
 * listens on loopback; a real cluster's DNS answers inside the cluster only (a probe pod would be needed).
 */
export function clusterDns(ctx: CheckContext): ClusterDnsAccess | { skipped: string } {
  const local = ctx.cluster.local;
  if (!local)
    return {
      skipped:
        'the cluster DNS of an existing cluster answers inside it only, and the probe-pod path is not implemented yet',
    };
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
