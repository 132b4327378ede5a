import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from '../../src/repo-root.ts';

/**
 * The scenario library: every file under suites/chaos/library/, run by `gauntlet run --suite chaos`. YAML is not
 * compiled: found from the clone's root, from the sources and the build alike.
 */
export const libraryDir = join(repoRoot, 'suites', 'chaos', 'library');

export async function libraryFiles(): Promise<string[]> {
  return (await readdir(libraryDir))
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => join(libraryDir, f));
}

let userFiles: string[] = [];

/** The user's scenario files of this run (`gauntlet run --scenario`), set by the job before mocha loads. */
export function setUserScenarioFiles(files: string[]): void {
  userFiles = [...files];
}

export const userScenarioFiles = (): string[] => userFiles;
