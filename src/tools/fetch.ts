import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';

/**
 * HTTP with bounds suited to machines that may have no internet: a DNS or connect failure, or a server
 * that does not answer within CONNECT_TIMEOUT_MS, is reported as Unreachable at once, so resolution can
 * fall through to building. A body that stops flowing for STALL_TIMEOUT_MS is cut (large binaries may
 * take long overall, but never sit idle).
 */
export const CONNECT_TIMEOUT_MS = 10_000;
export const STALL_TIMEOUT_MS = 60_000;

/** The artifact could not be fetched (network, HTTP status); not a statement about its contents. */
export class Unreachable extends Error {
  override name = 'Unreachable';
  constructor(
    message: string,
    /** 'network': the host could not be reached at all, so its other files will not be reachable either. */
    readonly kind: 'network' | 'http' | 'content',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause as { code?: string; message?: string } | undefined;
  const detail = cause?.code ?? cause?.message;
  return detail ? `${err.message} (${detail})` : err.message;
}

/** A timer-driven abort that can be re-armed, plus the caller's signal. */
function watchdog(signal: AbortSignal | undefined) {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const onAbort = () => controller.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    arm(ms: number, reason: string) {
      clearTimeout(timer);
      timer = setTimeout(() => controller.abort(new Error(reason)), ms);
    },
    done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    },
  };
}

async function get(url: string, dog: ReturnType<typeof watchdog>, signal?: AbortSignal): Promise<Response> {
  dog.arm(CONNECT_TIMEOUT_MS, `no response within ${CONNECT_TIMEOUT_MS / 1000} s`);
  let res: Response;
  try {
    res = await fetch(url, { signal: dog.signal, redirect: 'follow' });
  } catch (err) {
    signal?.throwIfAborted();
    const reason = dog.signal.aborted ? describe(dog.signal.reason) : describe(err);
    throw new Unreachable(`${url}: ${reason}`, 'network', { cause: err });
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => {});
    throw new Unreachable(`${url}: HTTP ${res.status} ${res.statusText}`, 'http');
  }
  return res;
}

export async function fetchText(url: string, signal?: AbortSignal): Promise<string> {
  const dog = watchdog(signal);
  try {
    const res = await get(url, dog, signal);
    return await res.text();
  } catch (err) {
    if (err instanceof Unreachable) throw err;
    signal?.throwIfAborted();
    throw new Unreachable(`${url}: ${describe(err)}`, 'network', { cause: err });
  } finally {
    dog.done();
  }
}

/** Streams `url` into `dest`, hashing on the way; returns the sha256 (hex) of what was written. */
export async function fetchToFile(url: string, dest: string, signal?: AbortSignal): Promise<string> {
  const dog = watchdog(signal);
  const file = await open(dest, 'w');
  try {
    const res = await get(url, dog, signal);
    const hash = createHash('sha256');
    if (res.body) {
      try {
        for await (const chunk of res.body) {
          dog.arm(STALL_TIMEOUT_MS, `no data for ${STALL_TIMEOUT_MS / 1000} s`);
          hash.update(chunk);
          await file.write(chunk);
        }
      } catch (err) {
        signal?.throwIfAborted();
        const reason = dog.signal.aborted ? describe(dog.signal.reason) : describe(err);
        throw new Unreachable(`${url}: transfer failed: ${reason}`, 'network', { cause: err });
      }
    }
    return hash.digest('hex');
  } finally {
    dog.done();
    await file.close();
  }
}
