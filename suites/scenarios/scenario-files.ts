import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** The scenario library: every file under suites/chaos/library/, run by `gauntlet run --suite chaos`. */
export const libraryDir = join(import.meta.dirname, '..', 'chaos', 'library');

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
