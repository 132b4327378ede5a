import { Agent } from 'undici';
import { tlsOptions } from './api-connection.ts';
import type { KubeHttpCredentials } from './kube-credentials.ts';
import { parseSliStream, type SliBuckets } from './sli-metrics-parser.ts';

/** Each apiserver's scrapes in order; failed ones (a killed member) leave a gap and are counted. */
export interface ServerScrapes {
  server: string;
  scrapes: SliBuckets[];
  failed: number;
  lastError?: string;
}

/**
 * Reads /metrics of every apiserver separately (each member of an HA control plane: behind one endpoint the
 * scrapes would land on any member and the deltas would mix counters), keeping only the SLI buckets.
 */
export class MetricsScraper {
  private readonly agent: Agent;
  readonly results: ServerScrapes[];

  constructor(
    servers: string[],
    private readonly credentials: KubeHttpCredentials,
  ) {
    this.agent = new Agent({ connections: 1, connect: { ...tlsOptions(credentials), timeout: 5000 } });
    this.results = servers.map((server) => ({ server, scrapes: [], failed: 0 }));
  }

  /** One scrape of every apiserver; resolves with how many answered. */
  async scrapeAll(): Promise<number> {
    const answered = await Promise.all(this.results.map((r) => this.scrape(r)));
    return answered.filter(Boolean).length;
  }

  async close(): Promise<void> {
    await this.agent.destroy();
  }

  private async scrape(into: ServerScrapes): Promise<boolean> {
    try {
      const res = await this.agent.request({
        origin: into.server,
        method: 'GET',
        path: '/metrics',
        headers: { ...this.credentials.headers, accept: 'text/plain' },
        headersTimeout: 10_000,
        bodyTimeout: 10_000,
      });
      if (res.statusCode !== 200) {
        await res.body.dump();
        throw new Error(`HTTP ${res.statusCode}`);
      }
      into.scrapes.push(await parseSliStream(res.body));
      return true;
    } catch (error) {
      into.failed++;
      into.lastError = (error as Error).message;
      return false;
    }
  }
}
