import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  clusterSpecFile,
  type LocalClusterSpec,
  localClusterSpecSchema,
} from '../../src/model/local-cluster-spec.ts';
import { parseStateFile, readStateFile } from '../../src/model/state-file.ts';
import { clusterDir } from '../../src/paths.ts';

/**
 * The files of an embedded cluster's state directory: `uid` (written first, so a crash from then on leaves
 * reapable leftovers) and cluster.json (the spec, written whole by rename).
 */
const uidFile = 'uid';

export const failedLogsDir = (name: string) => `${clusterDir(name)}.failed-logs`;

/** The spec of the named cluster; undefined when there is none. A damaged cluster.json is an error. */
export async function readLocalSpec(name: string): Promise<LocalClusterSpec | undefined> {
  return readStateFile(localClusterSpecSchema, join(clusterDir(name), clusterSpecFile));
}

/** For the supervisor, which waits for the file to appear: parses what it read. */
export function parseLocalSpec(text: string, file: string): LocalClusterSpec {
  return parseStateFile(localClusterSpecSchema, text, file);
}

export async function readUid(dir: string): Promise<string | undefined> {
  try {
    return (await readFile(join(dir, uidFile), 'utf8')).trim() || undefined;
  } catch {
    return undefined;
  }
}

export async function writeUid(dir: string, uid: string): Promise<void> {
  await writeFile(join(dir, uidFile), uid);
}

export async function writeSpec(spec: LocalClusterSpec): Promise<void> {
  const file = join(spec.dir, clusterSpecFile);
  await writeFile(`${file}.tmp`, JSON.stringify(spec, null, 2));
  await rename(`${file}.tmp`, file);
}
