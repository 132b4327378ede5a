import { randomBytes } from 'node:crypto';
import { InfrastructureError } from '../../src/errors.ts';
import { apiErrorMessage } from '../../src/kube/api-error.ts';
import type { Kube } from '../../src/kube/client.ts';

/** One write of the filler, as a client saw it: when it started, how long the API took, and how it failed. */
export interface WriteSample {
  /** Start of the request, ISO 8601 with milliseconds. */
  at: string;
  latencyMs: number;
  ok: boolean;
  error?: string;
}

export interface FillOptions {
  kube: Kube;
  namespace: string;
  labels: Record<string, string>;
  objectKind: 'configmap' | 'secret';
  objectSizeBytes: number;
  writesPerSecond: number;
  maxInFlight: number;
  deadlineMs: number;
  /** Checked between writes; true stops the fill (a target size was reached). */
  enough?: () => boolean;
  /** Stops the fill (SIGINT): the caller reverts what was written. */
  signal?: AbortSignal;
}

export interface FillResult {
  stoppedBy: 'nospace' | 'target' | 'deadline' | 'aborted';
  samples: WriteSample[];
  objectsWritten: number;
  bytesWritten: number;
  /** When the first write failed with etcd's space error. */
  firstNoSpaceAt?: string;
}

/** What etcd answers once its quota is used up; the apiserver passes it through in the Status message. */
export const noSpaceMessage = 'database space exceeded';

/**
 * Writes ConfigMaps or Secrets of a fixed size at a fixed rate (with at most maxInFlight requests open, so a
 * slow API slows the fill rather than piling requests up) until etcd refuses with NOSPACE, `enough` says
 * stop, or the deadline passes. Every write is a latency sample. The payload is random base64: etcd does
 * not compress, but nothing here should depend on that.
 */
export async function fillEtcd(o: FillOptions): Promise<FillResult> {
  const samples: WriteSample[] = [];
  const started = Date.now();
  // Base64 turns 3 bytes into 4, so this many random bytes give objectSizeBytes of payload.
  const payloadBytes = Math.floor((o.objectSizeBytes * 3) / 4);
  const intervalMs = 1000 / o.writesPerSecond;
  let stoppedBy: FillResult['stoppedBy'] | undefined;
  let firstNoSpaceAt: string | undefined;
  let objectsWritten = 0;
  let bytesWritten = 0;
  const inFlight = new Set<Promise<void>>();

  const write = async (n: number) => {
    const name = `filler-${n.toString().padStart(6, '0')}`;
    const payload = randomBytes(payloadBytes).toString('base64');
    const metadata = { name, labels: o.labels };
    const at = new Date();
    try {
      if (o.objectKind === 'secret') {
        // Secret data is base64 on the wire and raw bytes in etcd: encode again so etcd stores the full size.
        const data = { payload: Buffer.from(payload).toString('base64') };
        await o.kube.core.createNamespacedSecret({ namespace: o.namespace, body: { metadata, data } });
      } else {
        await o.kube.core.createNamespacedConfigMap({
          namespace: o.namespace,
          body: { metadata, data: { payload } },
        });
      }
      samples.push({ at: at.toISOString(), latencyMs: Date.now() - at.getTime(), ok: true });
      objectsWritten += 1;
      bytesWritten += payload.length;
    } catch (error) {
      const message = apiErrorMessage(error);
      samples.push({ at: at.toISOString(), latencyMs: Date.now() - at.getTime(), ok: false, error: message });
      if (message.includes(noSpaceMessage)) {
        firstNoSpaceAt ??= at.toISOString();
        stoppedBy ??= 'nospace';
      }
    }
  };

  for (let n = 0; !stoppedBy; n += 1) {
    if (o.signal?.aborted) stoppedBy = 'aborted';
    else if (o.enough?.()) stoppedBy = 'target';
    else if (Date.now() - started > o.deadlineMs) stoppedBy = 'deadline';
    if (stoppedBy) break;
    // Pacing is the point here, not synchronisation: write n starts no earlier than n / rate.
    const due = started + n * intervalMs - Date.now();
    if (due > 0) await new Promise((r) => setTimeout(r, due));
    // A full window waits for the first request to finish: the rate is a ceiling, the API sets the floor.
    while (inFlight.size >= o.maxInFlight) await Promise.race(inFlight);
    if (stoppedBy) break;
    const p: Promise<void> = write(n).finally(() => inFlight.delete(p));
    inFlight.add(p);
  }
  await Promise.all(inFlight);
  return { stoppedBy: stoppedBy ?? 'deadline', samples, objectsWritten, bytesWritten, firstNoSpaceAt };
}

/** Nearest-rank percentiles of the latencies, in ms; undefined when there are no samples. */
export function latencyPercentiles(samples: WriteSample[]) {
  const sorted = samples.map((s) => s.latencyMs).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
  return { count: sorted.length, p50: at(50), p90: at(90), p99: at(99), max: sorted.at(-1)! };
}

/** A page of filler objects to delete at once: small enough for one response, big enough to go fast. */
const deletePageSize = 10;
/** The whole deletion gives up after this (a 2 GiB filler of 512 KiB objects is ~4000 deletes). */
const deleteTimeoutMs = 300_000;
/** After a round with errors (API restarting, timeouts), the next round waits this long. */
const deleteRetryIntervalMs = 500;

/**
 * Deletes the filler objects in pages, each page's objects in parallel, until a list finds none. Each delete
 * is a delete-only etcd transaction, which etcd still accepts under NOSPACE. Not one DeleteCollection:
 * its response carries every deleted object (the whole filler), which a busy apiserver may cut short.
 * Harmless when the namespace or the objects are already gone.
 */
export async function deleteFiller(
  kube: Kube,
  namespace: string,
  labelSelector: string,
  objectKind: FillOptions['objectKind'],
): Promise<void> {
  const deadline = Date.now() + deleteTimeoutMs;
  let lastError: string | undefined;
  const notFound = (error: unknown) => (error as { code?: number }).code === 404;
  for (;;) {
    if (Date.now() > deadline)
      throw new InfrastructureError(
        `could not delete the etcd filler ${objectKind}s in ${namespace} (${labelSelector}) within ${deleteTimeoutMs / 1000} s: ${lastError}`,
      );
    const args = { namespace, labelSelector, limit: deletePageSize };
    let names: string[];
    try {
      const page =
        objectKind === 'secret'
          ? await kube.core.listNamespacedSecret(args)
          : await kube.core.listNamespacedConfigMap(args);
      names = page.items.map((o) => o.metadata!.name!);
    } catch (error) {
      if (notFound(error)) return;
      lastError = `list: ${apiErrorMessage(error)}`;
      await new Promise((r) => setTimeout(r, deleteRetryIntervalMs));
      continue;
    }
    if (names.length === 0) return;
    const results = await Promise.allSettled(
      names.map((name) =>
        objectKind === 'secret'
          ? kube.core.deleteNamespacedSecret({ namespace, name })
          : kube.core.deleteNamespacedConfigMap({ namespace, name }),
      ),
    );
    const failed = results.filter((r) => r.status === 'rejected' && !notFound(r.reason));
    if (failed.length > 0) {
      lastError = `delete: ${apiErrorMessage((failed[0] as PromiseRejectedResult).reason)}`;
      await new Promise((r) => setTimeout(r, deleteRetryIntervalMs));
    }
  }
}
