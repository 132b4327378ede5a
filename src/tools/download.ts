import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { InfrastructureError } from '../errors.ts';
import type { Progress } from '../log.ts';
import { installIntoCache } from './cache.ts';
import type { Artifact, GroupSpec, ToolName } from './catalog.ts';
import { expectedSha256 } from './checksum.ts';
import { fetchText, fetchToFile, Unreachable } from './fetch.ts';
import { goArch, goOs } from './platform.ts';

/**
 * A mirror serves the official files under the official URL paths: <mirror>/release/v1.36.3/bin/linux/amd64/
 * kube-apiserver (dl.k8s.io's path), <mirror>/etcd-io/etcd/releases/download/v3.6.16/... (github.com's path).
 */
export function artifactUrl(officialUrl: string, mirror: string | undefined): string {
  if (!mirror) return officialUrl;
  const { pathname, search } = new URL(officialUrl);
  return `${mirror.replace(/\/+$/, '')}${pathname}${search}`;
}

/** Artifacts needed for `wanted` on this platform, or a reason why there are none. */
export function artifactsFor(group: GroupSpec, wanted: ToolName[]): Artifact[] | string {
  const os = goOs();
  const arch = goArch();
  if (!os || !arch) return `no release artifacts for ${process.platform}/${process.arch}`;
  return group.artifacts(os, arch).filter((a) => wanted.some((t) => t in a.members));
}

export interface DownloadOptions {
  cacheDir: string;
  mirror?: string;
  progress: Progress;
  signal?: AbortSignal;
}

/**
 * Downloads one artifact, verifies its sha256 against the published checksum and installs every tool it
 * provides into the cache. Network trouble (including a missing checksum file: an unverifiable file is not
 * used) raises Unreachable, and the caller may build instead. A checksum MISMATCH raises InfrastructureError:
 * the source served something other than the release, which building around would hide.
 * Nothing unverified is ever cached.
 */
export async function downloadArtifact(
  group: GroupSpec,
  artifact: Artifact,
  opts: DownloadOptions,
): Promise<Map<ToolName, string>> {
  const url = artifactUrl(artifact.url, opts.mirror);
  const checksumUrl = artifactUrl(artifact.checksumUrl, opts.mirror);
  const tools = Object.keys(artifact.members) as ToolName[];
  // The checksum first: it is small, so an unreachable host is found out cheaply.
  const expected = expectedSha256(await fetchText(checksumUrl, opts.signal), artifact.fileName);
  if (!expected) throw new Unreachable(`${checksumUrl}: lists no sha256 for ${artifact.fileName}`, 'content');

  const tmpRoot = join(opts.cacheDir, 'tmp');
  await mkdir(tmpRoot, { recursive: true });
  const work = await mkdtemp(join(tmpRoot, `download-${group.name}-`));
  try {
    opts.progress.step(`downloading ${tools.join(', ')} ${group.version} from ${url}`);
    const file = join(work, artifact.fileName);
    const actual = await fetchToFile(url, file, opts.signal);
    if (actual !== expected) {
      throw new InfrastructureError(
        `${tools.join(', ')} ${group.version}: checksum mismatch for ${url}: expected sha256 ${expected} ` +
          `(from ${checksumUrl}), got ${actual}. The file was discarded and nothing was cached; ` +
          'fix or remove the mirror (GAUNTLET_TOOLS_MIRROR), or disable downloads to build from source.',
      );
    }
    if (artifact.archive) {
      const members = Object.values(artifact.members).filter((m): m is string => typeof m === 'string');
      const out = await execa('tar', ['-xzf', file, '-C', work, ...members], {
        reject: false,
        all: true,
        ...(opts.signal ? { cancelSignal: opts.signal } : {}),
      });
      opts.signal?.throwIfAborted();
      if (out.exitCode !== 0) {
        throw new InfrastructureError(`${tools.join(', ')}: cannot extract ${artifact.fileName}: ${out.all}`);
      }
    }
    const installed = new Map<ToolName, string>();
    for (const tool of tools) {
      const member = artifact.members[tool];
      const extracted = member ? join(work, member) : file;
      const entry = await installIntoCache(opts.cacheDir, tool, group.version, 'download', extracted, url);
      installed.set(tool, entry.path);
    }
    return installed;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
