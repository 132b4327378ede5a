import { createHash } from 'node:crypto';
import { access, mkdir, open, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { ExitCode, GauntletError } from '../../src/errors.ts';
import { stateDir } from '../../src/paths.ts';

/** One line of the write-ahead journal. Every change a fault makes is preceded by an 'intent' entry. */
const ledgerEntrySchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('intent'),
    id: z.string().min(1),
    at: z.string(),
    fault: z.string().min(1),
    target: z.string(),
    /** Everything revert needs, recorded before the change: the fault reverts from this alone. */
    undo: z.unknown(),
    /** The bound the runner was given for this injection; for people reading the ledger (recover reverts regardless). */
    expiresAt: z.string(),
    description: z.string(),
  }),
  z.strictObject({ type: z.literal('applied'), id: z.string().min(1), at: z.string() }),
  z.strictObject({ type: z.literal('reverted'), id: z.string().min(1), at: z.string() }),
  z.strictObject({
    type: z.literal('revert-failed'),
    id: z.string().min(1),
    at: z.string(),
    error: z.string(),
  }),
]);
export type LedgerEntry = z.output<typeof ledgerEntrySchema>;

export type IntentEntry = Extract<LedgerEntry, { type: 'intent' }>;

/** A key naming a cluster across runs: the embedded cluster's name, or the server URL of an existing one. */
export function clusterKey(identity: string): string {
  return createHash('sha256').update(identity).digest('hex').slice(0, 16);
}

/** Where a cluster's pointers to run ledgers live, so `gauntlet recover` finds them without a run dir. */
function pointerDir(key: string): string {
  return join(stateDir(), 'ledgers', key);
}

/**
 * The write-ahead ledger of one run: an append-only JSON-lines file in the run directory, fsynced after
 * every entry, plus a pointer to it under the cluster's key. The only source of truth for what is still broken.
 */
export class Ledger {
  private constructor(
    readonly file: string,
    private readonly pointer: string,
  ) {}

  static async open(runDir: string, key: string, runId: string): Promise<Ledger> {
    await mkdir(runDir, { recursive: true });
    const file = join(runDir, 'ledger.jsonl');
    const pointers = pointerDir(key);
    await mkdir(pointers, { recursive: true });
    const pointer = join(pointers, `${runId}.path`);
    // The file exists (empty) before any pointer names it: a missing ledger then always means a deleted one.
    await writeDurably(file, '', 'a');
    await writeDurably(pointer, `${file}\n`, 'w');
    return new Ledger(file, pointer);
  }

  record(entry: LedgerEntry): Promise<void> {
    return appendTo(this.file, entry);
  }

  /** Drops the pointer once nothing is left to revert, so later recovers skip this run. */
  async closeIfClean(): Promise<boolean> {
    if ((await pendingIn(this.file)).length > 0) return false;
    await rm(this.pointer, { force: true });
    return true;
  }
}

async function writeDurably(file: string, text: string, flags: 'a' | 'w'): Promise<void> {
  const handle = await open(file, flags);
  try {
    await handle.write(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * A ledger that cannot be read whole: what it recorded may still be injected, so nothing may treat it as
 * empty. Exit 4, like a failed revert; the pointer to it is kept for the next recover.
 */
export class LedgerUnreadableError extends GauntletError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(
      `${message}; faults it recorded may still be injected: fix or inspect it, then run gauntlet recover again`,
      ExitCode.RevertFailed,
      options,
    );
  }
}

/**
 * Every entry of a ledger. A missing file has none (a run that injected nothing may never write one; a pointer
 * to a deleted file is reported by pendingLedgers). Only the last line may be torn, and only when the crash cut
 * it before its newline (every entry is one write ending in one); any other bad line is an error naming it.
 */
export async function readLedger(file: string): Promise<LedgerEntry[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new LedgerUnreadableError(`ledger ${file} cannot be read (${(error as Error).message})`, {
      cause: error,
    });
  }
  const lines = text.split('\n');
  const entries: LedgerEntry[] = [];
  for (const [n, line] of lines.entries()) {
    if (!line.trim()) continue;
    const parsed = ledgerEntrySchema.safeParse(parseJson(line));
    if (parsed.success) {
      entries.push(parsed.data);
      continue;
    }
    // The text after the last newline: a line whose write a crash cut short. The entry before it is whole, and
    // its intent (if any) was synced before the change it announces.
    if (n === lines.length - 1) continue;
    const known = entries.filter((e) => e.type === 'intent').map((e) => `${e.fault} on ${e.target}`);
    throw new LedgerUnreadableError(
      `ledger ${file} line ${n + 1} is damaged (${parsed.error.issues[0]?.message ?? 'not an entry'}): ${line.slice(0, 120)}` +
        ` (intents recorded before it: ${known.length > 0 ? known.join(', ') : 'none'})`,
    );
  }
  return entries;
}

const parseJson = (line: string): unknown => {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
};

/** Intents with no 'reverted' entry: applied or maybe applied (a crash between intent and change). */
export async function pendingIn(file: string): Promise<IntentEntry[]> {
  const entries = await readLedger(file);
  const reverted = new Set(entries.filter((e) => e.type === 'reverted').map((e) => e.id));
  return entries.filter((e): e is IntentEntry => e.type === 'intent' && !reverted.has(e.id));
}

/**
 * Every ledger of the cluster that still has something to revert, oldest run first. Several pointers may name
 * one file (each chaos scenario of a run adds one): each file is read once. A pointer whose file is gone is
 * kept and reported as missing: what it recorded can no longer be reverted automatically.
 */
export async function pendingLedgers(
  key: string,
): Promise<{ ledgers: { file: string; pending: IntentEntry[] }[]; missing: string[] }> {
  const dir = pointerDir(key);
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.path')).sort();
  const ledgers: { file: string; pending: IntentEntry[] }[] = [];
  const missing: string[] = [];
  const seen = new Set<string>();
  for (const name of names) {
    const pointer = join(dir, name);
    const file = (await readFile(pointer, 'utf8')).trim();
    if (seen.has(file)) {
      await rm(pointer, { force: true });
      continue;
    }
    seen.add(file);
    if (!(await exists(file))) {
      missing.push(file);
      continue;
    }
    const pending = await pendingIn(file);
    if (pending.length > 0) ledgers.push({ file, pending });
    else await rm(pointer, { force: true });
  }
  return { ledgers, missing };
}

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

export async function appendTo(file: string, entry: LedgerEntry): Promise<void> {
  await writeDurably(file, `${JSON.stringify(entry)}\n`, 'a');
}
