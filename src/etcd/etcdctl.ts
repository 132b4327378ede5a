import { execa } from 'execa';
import { z } from 'zod';
import { InfrastructureError } from '../errors.ts';

/** How to reach etcd as a client: every member's client URL and the TLS files of a client certificate. */
export const etcdAccessSchema = z.object({
  endpoints: z.array(z.string().min(1)).min(1),
  caFile: z.string().min(1),
  certFile: z.string().min(1),
  keyFile: z.string().min(1),
});
export type EtcdAccess = z.infer<typeof etcdAccessSchema>;

/** One member's `endpoint status`; sizes are bytes of the backend file (dbSize) and of live data (dbSizeInUse). */
export interface EndpointStatus {
  endpoint: string;
  revision: number;
  dbSize: number;
  dbSizeInUse: number;
  dbSizeQuota: number;
}

/** etcd's alarm types, as `alarm list -w json` prints them (the protobuf enum's numbers). */
const alarmNames: Record<number, string> = { 0: 'NONE', 1: 'NOSPACE', 2: 'CORRUPT' };

export interface Alarm {
  memberId: string;
  alarm: string;
}

/**
 * etcdctl v3 against an embedded cluster's etcd, with TLS client-certificate auth. Output is JSON (-w json)
 * where etcdctl offers it. Member and cluster ids exceed 2^53, so they are kept as the digits printed,
 * never passed through a JS number.
 */
export class Etcdctl {
  constructor(
    private readonly binary: string,
    private readonly access: EtcdAccess,
  ) {}

  private async run(args: string[], o: { endpoints?: string[]; timeoutMs?: number } = {}) {
    const timeoutMs = o.timeoutMs ?? 30_000;
    const endpoints = o.endpoints ?? this.access.endpoints;
    const result = await execa(
      this.binary,
      [
        `--endpoints=${endpoints.join(',')}`,
        `--cacert=${this.access.caFile}`,
        `--cert=${this.access.certFile}`,
        `--key=${this.access.keyFile}`,
        `--command-timeout=${Math.ceil(timeoutMs / 1000)}s`,
        ...args,
      ],
      { reject: false, timeout: timeoutMs + 5_000, stdin: 'ignore', env: { ETCDCTL_API: '3' } },
    );
    if (result.exitCode !== 0) {
      const detail = String(result.stderr || result.stdout).trim() || `exit ${result.exitCode}`;
      throw new InfrastructureError(`etcdctl ${args.join(' ')} on ${endpoints.join(',')}: ${detail}`);
    }
    return String(result.stdout);
  }

  async status(): Promise<EndpointStatus[]> {
    const out = JSON.parse(await this.run(['endpoint', 'status', '-w', 'json'])) as {
      Endpoint: string;
      Status: {
        header: { revision: number };
        dbSize: number;
        dbSizeInUse?: number;
        dbSizeQuota?: number;
      };
    }[];
    return out.map((s) => ({
      endpoint: s.Endpoint,
      revision: s.Status.header.revision,
      dbSize: s.Status.dbSize,
      dbSizeInUse: s.Status.dbSizeInUse ?? s.Status.dbSize,
      dbSizeQuota: s.Status.dbSizeQuota ?? 0,
    }));
  }

  async alarms(): Promise<Alarm[]> {
    const out = await this.run(['alarm', 'list', '-w', 'json']);
    // Keep member ids as printed: they do not fit a JS number.
    const alarms = [...out.matchAll(/\{"memberID":(\d+),"alarm":(\d+)\}/g)];
    return alarms.map(([, memberId, alarm]) => ({
      memberId: memberId!,
      alarm: alarmNames[Number(alarm)] ?? `alarm ${alarm}`,
    }));
  }

  /** Compacts the keyspace up to rev and waits until the space is free to reuse (--physical). */
  async compact(rev: number): Promise<void> {
    await this.run(['compact', String(rev), '--physical'], { timeoutMs: 120_000 });
  }

  /** Defragments one member: it blocks that member's reads and writes while it rewrites the file. */
  async defrag(endpoint: string, timeoutMs = 120_000): Promise<void> {
    await this.run(['defrag'], { endpoints: [endpoint], timeoutMs });
  }

  /** Disarms every alarm of the cluster (etcdctl has no per-type disarm). */
  async disarm(): Promise<void> {
    await this.run(['alarm', 'disarm']);
  }
}
