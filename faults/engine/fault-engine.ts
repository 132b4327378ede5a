import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { issueLines } from '../../src/config/format-issues.ts';
import { ConfigError, ExitCode, GauntletError } from '../../src/errors.ts';
import {
  type AnyFault,
  describeTarget,
  type FaultContext,
  type FaultTarget,
  type Measurements,
} from '../fault.ts';
import { faultByKind } from '../registry.ts';
import { crashPoint } from './crash-point.ts';
import { appendTo, type IntentEntry, type Ledger, LedgerUnreadableError, pendingLedgers } from './ledger.ts';
import { startWatchdog } from './start-watchdog.ts';

/** An applied fault on one target. revert() is idempotent and journaled. */
export interface Injection {
  id: string;
  fault: string;
  target: string;
  /** What the fault measured while applying, if anything; also written to measurementsFile in the run dir. */
  measurements?: Measurements;
  measurementsFile?: string;
  revert(): Promise<void>;
}

/** Validates a fault's spec before anything is touched; the error names the field. */
export function parseSpec(fault: AnyFault, raw: unknown): unknown {
  const result = fault.spec.safeParse(raw ?? {});
  if (result.success) return result.data;
  const issues = result.error.issues.flatMap((i) => issueLines(i, 'spec'));
  throw new ConfigError(`fault ${fault.kind}: invalid spec: ${issues.join('; ')}`);
}

/**
 * Injects one fault on one target: capture what undo needs, journal it durably, then change the cluster.
 * The ledger entry exists before the change, so a harness killed at any point can be recovered from it.
 */
export async function inject(
  fault: AnyFault,
  target: FaultTarget,
  spec: unknown,
  o: { ctx: FaultContext; ledger: Ledger; maxDurationMs: number; signal?: AbortSignal },
): Promise<Injection> {
  const id = randomUUID();
  const signal = o.signal ?? o.ctx.signal;
  signal?.throwIfAborted();
  const undo = await fault.capture(o.ctx, spec, target);
  crashPoint('before-intent');
  await o.ledger.record({
    type: 'intent',
    id,
    at: new Date().toISOString(),
    fault: fault.kind,
    target: describeTarget(target),
    undo,
    expiresAt: new Date(Date.now() + o.maxDurationMs).toISOString(),
    description: fault.describe(spec, target),
  });
  crashPoint('after-intent');
  await startWatchdog(o.ledger.file, id, o.ctx.cluster);
  let measured: Measurements | undefined;
  try {
    signal?.throwIfAborted();
    measured = (await fault.apply({ ...o.ctx, signal }, spec, target, undo)) ?? undefined;
  } catch (error) {
    // A failed apply may have changed part of the cluster (etcd half filled): undo it now, not at the next
    // recover. If that revert fails too, the intent stays pending in the ledger for `gauntlet recover`.
    try {
      await revertIntent(o.ctx, o.ledger.file, { id, fault: fault.kind, undo });
    } catch (revertError) {
      throw new GauntletError(
        `${fault.kind} on ${describeTarget(target)}: apply failed (${(error as Error).message}) and the revert right after it failed too (${(revertError as Error).message}); it stays pending in ${o.ledger.file} for gauntlet recover`,
        ExitCode.RevertFailed,
        { cause: error },
      );
    }
    throw error;
  }
  crashPoint('after-apply');
  const measurementsFile = measured && join(dirname(o.ledger.file), `${fault.kind}-${id}.measurements.json`);
  if (measurementsFile) await writeFile(measurementsFile, JSON.stringify(measured, null, 2));
  await o.ledger.record({ type: 'applied', id, at: new Date().toISOString() });
  crashPoint('after-applied-record');
  let reverted: Promise<void> | undefined;
  return {
    id,
    fault: fault.kind,
    target: describeTarget(target),
    measurements: measured,
    measurementsFile,
    revert: () => {
      reverted ??= revertIntent(o.ctx, o.ledger.file, { id, fault: fault.kind, undo });
      return reverted;
    },
  };
}

/**
 * The undo data as the fault's schema reads it. A ledger edited by hand or written by another version could hand
 * a revert fields it would misuse (a wrong zone, a missing instance id); such an intent is not reverted.
 */
function readUndo(fault: AnyFault, ledgerFile: string, intent: Pick<IntentEntry, 'id' | 'fault' | 'undo'>) {
  const read = fault.undo.safeParse(intent.undo);
  if (read.success) return read.data;
  const fields = read.error.issues.flatMap((i) => issueLines(i, 'undo'));
  throw new LedgerUnreadableError(
    `ledger ${ledgerFile}: the undo data of ${intent.fault} intent ${intent.id} does not fit the fault (${fields.join('; ')}); it was not reverted`,
  );
}

/** Reverts one journaled intent and records the outcome; idempotent, as every fault's revert is. */
export async function revertIntent(
  ctx: FaultContext,
  ledgerFile: string,
  intent: Pick<IntentEntry, 'id' | 'fault' | 'undo'>,
) {
  crashPoint('before-revert');
  try {
    const fault = faultByKind(intent.fault);
    await fault.revert(ctx, readUndo(fault, ledgerFile, intent));
  } catch (error) {
    await appendTo(ledgerFile, {
      type: 'revert-failed',
      id: intent.id,
      at: new Date().toISOString(),
      error: (error as Error).message,
    });
    throw error;
  }
  crashPoint('after-revert');
  await appendTo(ledgerFile, { type: 'reverted', id: intent.id, at: new Date().toISOString() });
  crashPoint('after-reverted-record');
}

export interface RecoverResult {
  reverted: IntentEntry[];
  failed: { intent: IntentEntry; error: string }[];
  /** Ledgers whose file was deleted: what they recorded must be checked by hand. */
  missing: string[];
}

/** Reverts, newest first, everything the cluster's ledgers show as still injected (after a crash). */
export async function recoverCluster(ctx: FaultContext, key: string): Promise<RecoverResult> {
  const { ledgers, missing } = await pendingLedgers(key);
  const result: RecoverResult = { reverted: [], failed: [], missing };
  for (const ledger of ledgers.reverse()) {
    for (const intent of [...ledger.pending].reverse()) {
      try {
        await revertIntent(ctx, ledger.file, intent);
        result.reverted.push(intent);
      } catch (error) {
        result.failed.push({ intent, error: (error as Error).message });
      }
    }
  }
  return result;
}

/** What is left to undo by hand, for exit 4. */
export function formatLeftovers(result: Pick<RecoverResult, 'failed' | 'missing'>): string {
  return [
    ...result.failed.map(
      ({ intent, error }) =>
        `  - ${intent.fault} on ${intent.target}: ${intent.description} (undo data: ${JSON.stringify(intent.undo)}; revert failed: ${error})`,
    ),
    ...result.missing.map(
      (file) => `  - ledger ${file} was deleted: check by hand what it recorded as injected`,
    ),
  ].join('\n');
}
