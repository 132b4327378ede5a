import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';

export const cliPath = join(import.meta.dirname, '..', '..', 'bin', 'gauntlet.js');

const created: string[] = [];
// Removed when mocha's process exits, after every test file has torn its clusters down.
process.once('exit', () => {
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
});

/** A state directory of its own, so tests never touch a developer's running clusters. */
export async function isolatedStateDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gauntlet-test-state-'));
  created.push(dir);
  return dir;
}

export interface CliResult {
  exitCode: number;
  /** The signal that ended the process (SIGKILL from a crash point), if one did. */
  signal?: string;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI as a user would, in a child process. */
export async function gauntlet(
  args: string[],
  env: Record<string, string>,
  timeoutMs = 180_000,
): Promise<CliResult> {
  const result = await execa(process.execPath, [cliPath, ...args], {
    env: { GAUNTLET_QUIET: '0', ...env },
    reject: false,
    timeout: timeoutMs,
    stdin: 'ignore',
  });
  return {
    exitCode: result.exitCode ?? -1,
    ...(result.signal ? { signal: result.signal } : {}),
    stdout: String(result.stdout),
    stderr: String(result.stderr),
  };
}

/** Starts the CLI without waiting, for tests that interrupt or kill it. */
export function startGauntlet(args: string[], env: Record<string, string>): ResultPromise {
  return execa(process.execPath, [cliPath, ...args], { env, reject: false, stdin: 'ignore', buffer: true });
}
