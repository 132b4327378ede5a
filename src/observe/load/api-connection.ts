import { performance } from 'node:perf_hooks';
import { createSecureContext } from 'node:tls';
import { Agent, type Dispatcher } from 'undici';
import type { KubeHttpCredentials } from './kube-credentials.ts';

/** What one request came to: an HTTP answer (any status) or a connection error code, with its times. */
export interface Answer {
  status: string;
  ok: boolean;
  sentAt: number;
  endedAt: number;
  body?: string;
}

/** Connection errors worth re-sending once the server answers again: it never saw the request. */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/**
 * How often, while the server is unreachable, one request checks whether it is back: a server that does not
 * answer sends no event to wait for.
 */
const REACHABILITY_POLL_MS = 100;

/**
 * Keep-alive connections to one API server with the kubeconfig's credentials. A request that cannot reach the
 * server is sent again once it answers (one poll every 100 ms for all waiting requests, not one per request),
 * until its deadline: as a client-go caller retries, and so an outage shows as latency, not as instant failures.
 */
export class ApiConnection {
  private readonly agent: Agent;
  private unreachable: Promise<void> | undefined;

  constructor(
    readonly server: string,
    private readonly credentials: KubeHttpCredentials,
    connections: number,
    timeoutMs: number,
  ) {
    this.agent = new Agent({
      connections,
      keepAliveTimeout: 30_000,
      connect: { ...tlsOptions(credentials), timeout: Math.min(timeoutMs, 10_000) },
    });
  }

  /** One request, re-sent after connection errors until deadline (performance.now() ms). */
  async request(
    method: Dispatcher.HttpMethod,
    path: string,
    deadline: number,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<Answer> {
    let sentAt = performance.now();
    for (;;) {
      const answer = await this.once(method, path, deadline, body, contentType);
      if (answer.ok || !UNREACHABLE.has(answer.status) || performance.now() >= deadline)
        return { ...answer, sentAt };
      await this.untilReachable(deadline);
      if (performance.now() >= deadline) return { ...answer, sentAt, endedAt: performance.now() };
      sentAt = Math.min(sentAt, answer.sentAt);
    }
  }

  /**
   * Opens a watch and returns once its response headers arrived (re-opened after connection errors, as request()
   * re-sends); the stream is read, then closed by the client after holdMs.
   */
  async watch(path: string, deadline: number, holdMs: number): Promise<Answer> {
    const sentAt = performance.now();
    for (;;) {
      const answer = await this.openWatch(path, deadline, holdMs);
      if (answer.ok || !UNREACHABLE.has(answer.status) || performance.now() >= deadline)
        return { ...answer, sentAt };
      await this.untilReachable(deadline);
      if (performance.now() >= deadline) return { ...answer, sentAt, endedAt: performance.now() };
    }
  }

  private async openWatch(path: string, deadline: number, holdMs: number): Promise<Answer> {
    const controller = new AbortController();
    const sentAt = performance.now();
    try {
      const res = await this.agent.request({
        origin: this.server,
        method: 'GET',
        path,
        headers: { ...this.credentials.headers, accept: 'application/json' },
        signal: controller.signal,
        headersTimeout: Math.max(1, deadline - sentAt),
        bodyTimeout: 0,
      });
      const endedAt = performance.now();
      const hold = setTimeout(() => controller.abort(), holdMs);
      void res.body
        .dump({ limit: Number.MAX_SAFE_INTEGER, signal: controller.signal })
        .catch(() => undefined)
        .finally(() => clearTimeout(hold));
      return { status: String(res.statusCode), ok: res.statusCode === 200, sentAt, endedAt };
    } catch (error) {
      return { status: errorCode(error), ok: false, sentAt, endedAt: performance.now() };
    }
  }

  async close(): Promise<void> {
    await this.agent.destroy();
  }

  private async once(
    method: Dispatcher.HttpMethod,
    path: string,
    deadline: number,
    body: unknown,
    contentType: string,
  ): Promise<Answer> {
    const sentAt = performance.now();
    const left = Math.max(1, deadline - sentAt);
    try {
      const res = await this.agent.request({
        origin: this.server,
        method,
        path,
        headers: {
          ...this.credentials.headers,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': contentType }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        headersTimeout: left,
        bodyTimeout: left,
      });
      const text = await res.body.text();
      const ok = res.statusCode >= 200 && res.statusCode < 300;
      return {
        status: String(res.statusCode),
        ok,
        sentAt,
        endedAt: performance.now(),
        ...(ok ? { body: text } : {}),
      };
    } catch (error) {
      return { status: errorCode(error), ok: false, sentAt, endedAt: performance.now() };
    }
  }

  /** Resolves when the server answers /livez at all (any status), or at the deadline. */
  private untilReachable(deadline: number): Promise<void> {
    this.unreachable ??= (async () => {
      while (performance.now() < deadline) {
        await new Promise((r) => setTimeout(r, REACHABILITY_POLL_MS));
        const probe = await this.once(
          'GET',
          '/livez',
          Math.min(deadline, performance.now() + 1000),
          undefined,
          '',
        );
        if (!UNREACHABLE.has(probe.status)) return;
      }
    })().finally(() => {
      this.unreachable = undefined;
    });
    return this.unreachable;
  }
}

/**
 * One TLS context for every connection: building one parses the key and certificates, milliseconds of event
 * loop each time, which would make the arrivals due just then late (many connections open at once after an outage).
 */
export function tlsOptions(c: KubeHttpCredentials) {
  const { ca, cert, key, rejectUnauthorized } = c.tls;
  if (!ca && !cert && !key) return { rejectUnauthorized };
  return {
    rejectUnauthorized,
    secureContext: createSecureContext({
      ...(ca ? { ca } : {}),
      ...(cert ? { cert } : {}),
      ...(key ? { key } : {}),
    }),
  };
}

function errorCode(error: unknown): string {
  const e = error as { code?: string; cause?: { code?: string }; name?: string };
  return e.code ?? e.cause?.code ?? e.name ?? 'error';
}
