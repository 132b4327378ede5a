import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { recoverCluster } from '../faults/engine/fault-engine.ts';
import {
  clusterKey,
  Ledger,
  LedgerUnreadableError,
  pendingLedgers,
  readLedger,
} from '../faults/engine/ledger.ts';
import type { FaultContext } from '../faults/fault.ts';
import { ExitCode } from '../src/errors.ts';

const intent = (id: string) => ({
  type: 'intent' as const,
  id,
  at: new Date().toISOString(),
  fault: 'zone-loss',
  target: 'zone us-east-1a',
  undo: { zone: 'us-east-1a' },
  expiresAt: new Date(Date.now() + 60_000).toISOString(),
  description: 'freeze the zone',
});
const line = (entry: object) => `${JSON.stringify(entry)}\n`;

/** The ledger never forgets a fault: anything it cannot read whole is an error (exit 4), never "empty". */
describe('ledger: read back whole or refused', () => {
  let dir: string;
  const previousState = process.env.GAUNTLET_STATE_DIR;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gauntlet-ledger-'));
    process.env.GAUNTLET_STATE_DIR = join(dir, 'state');
  });
  afterEach(async () => {
    if (previousState === undefined) delete process.env.GAUNTLET_STATE_DIR;
    else process.env.GAUNTLET_STATE_DIR = previousState;
    await rm(dir, { recursive: true, force: true });
  });

  it('skips a torn last line (cut before its newline) and keeps every whole entry', async () => {
    const file = join(dir, 'ledger.jsonl');
    await writeFile(file, `${line(intent('a'))}${line({ type: 'applied', id: 'a', at: 'now' })}{"type":"rev`);
    const entries = await readLedger(file);
    expect(entries.map((e) => `${e.type}:${e.id}`)).to.deep.equal(['intent:a', 'applied:a']);
  });

  it('refuses a damaged line in the middle, naming the file, the line and the intents before it', async () => {
    const file = join(dir, 'ledger.jsonl');
    await writeFile(file, `${line(intent('a'))}{"type":"applied"\n${line(intent('b'))}`);
    const error = await readLedger(file).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(LedgerUnreadableError);
    const refused = error as LedgerUnreadableError;
    expect(refused.exitCode).to.equal(ExitCode.RevertFailed);
    expect(refused.message).to.include(`ledger ${file} line 2 is damaged`);
    expect(refused.message).to.include('intents recorded before it: zone-loss on zone us-east-1a');
  });

  it('refuses a whole line that is JSON but not a ledger entry (a schema, not a cast)', async () => {
    const file = join(dir, 'ledger.jsonl');
    await writeFile(file, `${line({ type: 'intent', id: 'a' })}${line(intent('b'))}`);
    const error = await readLedger(file).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(LedgerUnreadableError);
    expect((error as Error).message).to.include('line 1 is damaged');
  });

  it('an unreadable ledger is an error, and recover keeps the pointer to it', async () => {
    const key = clusterKey('ledger-test');
    const runDir = join(dir, 'run');
    const ledger = await Ledger.open(runDir, key, 'run-1');
    await ledger.record(intent('a'));
    // Root reads any file whatever its mode, so the I/O error is made another way: the path is a directory.
    await rm(ledger.file);
    await mkdir(ledger.file);
    const error = await pendingLedgers(key).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(LedgerUnreadableError);
    expect((error as Error).message).to.include(`ledger ${ledger.file} cannot be read`);
    const pointers = await readdir(join(dir, 'state', 'ledgers', key));
    expect(pointers).to.deep.equal(['run-1.path']);
  });

  it('undo data that does not fit its fault is not reverted: recover names the field and the intent stays pending', async () => {
    const key = clusterKey('ledger-test-3');
    const ledger = await Ledger.open(join(dir, 'run'), key, 'run-1');
    // zone-loss's undo needs clusterDir, zone and component; this one (edited by hand, say) lacks two.
    await ledger.record(intent('a'));
    // Never reached: the fault's revert would need the cluster, and the undo check comes first.
    const ctx = {} as FaultContext;
    const result = await recoverCluster(ctx, key);
    expect(result.reverted).to.deep.equal([]);
    expect(result.failed.map((f) => f.intent.id)).to.deep.equal(['a']);
    expect(result.failed[0]?.error)
      .to.include(`ledger ${ledger.file}: the undo data of zone-loss intent a does not fit the fault`)
      .and.include('undo.clusterDir:')
      .and.include('undo.component:')
      .and.include('it was not reverted');
    const entries = await readLedger(ledger.file);
    expect(entries.map((e) => e.type)).to.deep.equal(['intent', 'revert-failed']);
    const { ledgers } = await pendingLedgers(key);
    expect(ledgers.map((l) => l.pending.map((i) => i.id))).to.deep.equal([['a']]);
  });

  it('a ledger with pending intents is listed; a clean one drops its pointer', async () => {
    const key = clusterKey('ledger-test-2');
    const dirty = await Ledger.open(join(dir, 'dirty'), key, 'run-1');
    await dirty.record(intent('a'));
    const clean = await Ledger.open(join(dir, 'clean'), key, 'run-2');
    await clean.record(intent('b'));
    await clean.record({ type: 'reverted', id: 'b', at: new Date().toISOString() });
    const { ledgers, missing } = await pendingLedgers(key);
    expect(ledgers.map((l) => [l.file, l.pending.map((i) => i.id)])).to.deep.equal([[dirty.file, ['a']]]);
    expect(missing).to.deep.equal([]);
    expect(await readdir(join(dir, 'state', 'ledgers', key))).to.deep.equal(['run-1.path']);
  });
});
