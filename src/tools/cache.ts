import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, chmod, copyFile, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { ToolName } from './catalog.ts';
import { sha256File } from './checksum.ts';

/**
 * Layout: <cacheDir>/bin/<name>/<version>/<name> with meta.json beside it.
 * meta.json is written last, so its presence marks a complete entry: a crash mid-install leaves no
 * entry that a later run would trust.
 */

const metadataSchema = z.object({
  name: z.string(),
  version: z.string(),
  source: z.enum(['download', 'build']),
  sha256: z.string(),
  size: z.number().optional(),
  when: z.string(),
  from: z.string().optional(),
});
export type CacheMetadata = z.infer<typeof metadataSchema>;

export interface CachedTool {
  path: string;
  metadata: CacheMetadata;
}

export function cachedBinaryPath(cacheDir: string, name: ToolName, version: string): string {
  return join(cacheDir, 'bin', name, version, name);
}

function metadataPath(cacheDir: string, name: ToolName, version: string): string {
  return join(cacheDir, 'bin', name, version, 'meta.json');
}

/** A cache hit needs metadata, an executable binary and (when recorded) the recorded size. */
export async function readCached(
  cacheDir: string,
  name: ToolName,
  version: string,
): Promise<CachedTool | undefined> {
  const path = cachedBinaryPath(cacheDir, name, version);
  let metadata: CacheMetadata;
  try {
    metadata = metadataSchema.parse(
      JSON.parse(await readFile(metadataPath(cacheDir, name, version), 'utf8')),
    );
    await access(path, constants.X_OK);
    // A cheap guard against a truncated file; a full re-hash of ~100 MB binaries on every run is not worth it.
    if (metadata.size !== undefined && (await stat(path)).size !== metadata.size) return undefined;
  } catch {
    return undefined;
  }
  if (metadata.name !== name || metadata.version !== version) return undefined;
  return { path, metadata };
}

/**
 * Moves (or copies, across filesystems) a verified or freshly built binary into the cache.
 * Both files land under temporary names first and are renamed into place, binary before metadata.
 */
export async function installIntoCache(
  cacheDir: string,
  name: ToolName,
  version: string,
  source: CacheMetadata['source'],
  file: string,
  from?: string,
): Promise<CachedTool> {
  const path = cachedBinaryPath(cacheDir, name, version);
  const dir = join(cacheDir, 'bin', name, version);
  await mkdir(dir, { recursive: true });
  const suffix = `.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const tmpBinary = `${path}${suffix}`;
  const tmpMeta = `${metadataPath(cacheDir, name, version)}${suffix}`;
  try {
    // Invalidate any previous entry before replacing the binary it describes.
    await rm(metadataPath(cacheDir, name, version), { force: true });
    try {
      await rename(file, tmpBinary);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
      await copyFile(file, tmpBinary);
    }
    await chmod(tmpBinary, 0o755);
    const metadata: CacheMetadata = {
      name,
      version,
      source,
      sha256: await sha256File(tmpBinary),
      size: (await stat(tmpBinary)).size,
      when: new Date().toISOString(),
      ...(from === undefined ? {} : { from }),
    };
    await writeFile(tmpMeta, `${JSON.stringify(metadata, null, 2)}\n`);
    await rename(tmpBinary, path);
    await rename(tmpMeta, metadataPath(cacheDir, name, version));
    return { path, metadata };
  } finally {
    await rm(tmpBinary, { force: true });
    await rm(tmpMeta, { force: true });
  }
}
