import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { InfrastructureError } from '../errors.ts';
import { type Progress, silent } from '../log.ts';
import { cacheDir as defaultCacheDir } from '../paths.ts';
import { installIntoCache, readCached } from './cache.ts';
import { GROUPS, type GroupSpec, groupOf, TOOL_NAMES, type ToolName, toolVersion } from './catalog.ts';
import { binEnvVar, checkExplicitPath, explicitPathFor } from './explicit.ts';
import { Unreachable } from './fetch.ts';
import { withLock } from './lock.ts';

export type ToolSource = 'path' | 'cache' | 'download' | 'build';

export interface ResolvedTool {
  name: ToolName;
  /** The pinned version, or 'unknown' for a binary the user pointed at (we do not run it to ask). */
  version: string;
  path: string;
  source: ToolSource;
}

export interface ResolveOptions {
  /** Default: cacheDir() from src/paths.ts. */
  cacheDir?: string;
  /** From config; GAUNTLET_BIN_<NAME> (e.g. GAUNTLET_BIN_KUBE_APISERVER) overrides per tool. */
  explicitPaths?: Partial<Record<ToolName, string>>;
  /** Base URL serving the official artifacts under their official paths; env GAUNTLET_TOOLS_MIRROR. */
  mirror?: string;
  /** Default true. */
  allowDownload?: boolean;
  /** Default true. */
  allowBuild?: boolean;
  progress?: Progress;
  signal?: AbortSignal;
}

interface Context {
  cacheDir: string;
  explicitPaths: Partial<Record<ToolName, string>> | undefined;
  mirror: string | undefined;
  allowDownload: boolean;
  allowBuild: boolean;
  progress: Progress;
  signal: AbortSignal | undefined;
}

function context(opts: ResolveOptions): Context {
  return {
    cacheDir: opts.cacheDir ?? defaultCacheDir(),
    explicitPaths: opts.explicitPaths,
    mirror: opts.mirror ?? (process.env.GAUNTLET_TOOLS_MIRROR || undefined),
    allowDownload: opts.allowDownload ?? true,
    allowBuild: opts.allowBuild ?? true,
    progress: opts.progress ?? silent,
    signal: opts.signal,
  };
}

/** Explicit paths and cache hits: the cheap sources, no lock needed. */
async function resolveCheaply(name: ToolName, ctx: Context): Promise<ResolvedTool | undefined> {
  const chosen = explicitPathFor(name, ctx.explicitPaths);
  if (chosen)
    return { name, version: 'unknown', path: await checkExplicitPath(name, chosen), source: 'path' };
  const version = toolVersion(name);
  const cached = await readCached(ctx.cacheDir, name, version);
  return cached ? { name, version, path: cached.path, source: 'cache' } : undefined;
}

/** Downloads what it can of `wanted`; returns the reason when something could not be downloaded. */
async function tryDownload(
  group: GroupSpec,
  wanted: ToolName[],
  ctx: Context,
  found: Map<ToolName, ResolvedTool>,
): Promise<string | undefined> {
  // Loaded on demand: a cache hit (every run but the first) needs neither downloads nor builds.
  const { artifactsFor, downloadArtifact } = await import('./download.ts');
  const artifacts = artifactsFor(group, wanted);
  if (typeof artifacts === 'string') return artifacts;
  const failures: string[] = [];
  for (const artifact of artifacts) {
    try {
      const installed = await downloadArtifact(group, artifact, {
        cacheDir: ctx.cacheDir,
        progress: ctx.progress,
        ...(ctx.mirror ? { mirror: ctx.mirror } : {}),
        ...(ctx.signal ? { signal: ctx.signal } : {}),
      });
      for (const [name, path] of installed) {
        if (wanted.includes(name))
          found.set(name, { name, version: group.version, path, source: 'download' });
      }
    } catch (err) {
      if (!(err instanceof Unreachable)) throw err;
      ctx.progress.step(`download unavailable: ${err.message}`);
      failures.push(err.message);
      // An unreachable host will not serve the group's other artifacts either: do not wait for it again.
      if (err.kind === 'network') break;
    }
  }
  return failures.length > 0 ? failures.join('; ') : undefined;
}

/** Builds the whole group and caches every member not cached yet, requested or not. */
async function build(group: GroupSpec, ctx: Context): Promise<Map<ToolName, string>> {
  const tmpRoot = join(ctx.cacheDir, 'tmp');
  await mkdir(tmpRoot, { recursive: true });
  const workDir = await mkdtemp(join(tmpRoot, `build-${group.name}-`));
  try {
    const { buildGroup } = await import('./go-build.ts');
    const built = await buildGroup(group, {
      workDir,
      progress: ctx.progress,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    const installed = new Map<ToolName, string>();
    for (const [name, file] of built) {
      // Keep existing entries (e.g. a verified download): a binary in use is not swapped for no reason.
      const existing = await readCached(ctx.cacheDir, name, group.version);
      if (existing) {
        installed.set(name, existing.path);
        continue;
      }
      const from = `go ${group.build.kind} ${group.build.packages.find((p) => p.tool === name)?.pkg}@${group.version}`;
      installed.set(
        name,
        (await installIntoCache(ctx.cacheDir, name, group.version, 'build', file, from)).path,
      );
    }
    ctx.progress.step(`built and cached ${[...installed.keys()].join(', ')} ${group.version}`);
    return installed;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

async function resolveGroup(group: GroupSpec, names: ToolName[], ctx: Context): Promise<ResolvedTool[]> {
  const found = new Map<ToolName, ResolvedTool>();
  for (const name of names) {
    const hit = await resolveCheaply(name, ctx);
    if (hit) found.set(name, hit);
  }
  const missing = () => names.filter((n) => !found.has(n));
  if (missing().length === 0) return names.map((n) => found.get(n) as ResolvedTool);

  const lock = join(ctx.cacheDir, 'locks', `${group.name}-${group.version}.lock`);
  await withLock(
    lock,
    `obtaining ${group.tools.join(', ')}`,
    async () => {
      // Whoever held the lock before us may have just cached what we need.
      for (const name of missing()) {
        const cached = await readCached(ctx.cacheDir, name, group.version);
        if (cached) found.set(name, { name, version: group.version, path: cached.path, source: 'cache' });
      }
      if (missing().length === 0) return;

      let downloadNote = 'download disabled';
      if (ctx.allowDownload) {
        downloadNote = (await tryDownload(group, missing(), ctx, found)) ?? '';
        if (missing().length === 0) return;
      }
      if (!ctx.allowBuild) {
        const absent = missing();
        const hints = absent.map((n) => `${binEnvVar(n)}=<path>`).join(' or ');
        throw new InfrastructureError(
          `${absent.join(', ')} ${group.version}: not in the cache (${ctx.cacheDir}/bin), ${downloadNote || 'not downloadable'}, ` +
            `and building is disabled. Set ${hints}, configure a mirror (GAUNTLET_TOOLS_MIRROR), or allow building.`,
        );
      }
      for (const [name, path] of await build(group, ctx)) {
        if (names.includes(name) && !found.has(name)) {
          found.set(name, { name, version: group.version, path, source: 'build' });
        }
      }
    },
    { progress: ctx.progress, ...(ctx.signal ? { signal: ctx.signal } : {}) },
  );
  const unresolved = missing();
  if (unresolved.length > 0) throw new InfrastructureError(`could not obtain ${unresolved.join(', ')}`);
  return names.map((n) => found.get(n) as ResolvedTool);
}

/** Explicit path -> cache -> verified download -> build from source (see index.ts). */
export async function resolveTool(name: ToolName, opts: ResolveOptions = {}): Promise<ResolvedTool> {
  const [resolved] = await resolveGroup(groupOf(name), [name], context(opts));
  return resolved as ResolvedTool;
}

/** Resolves group by group, so a group is downloaded or built at most once however many members are asked for. */
export async function resolveTools<T extends ToolName>(
  names: readonly T[],
  opts: ResolveOptions = {},
): Promise<Record<T, ResolvedTool>> {
  const ctx = context(opts);
  const result = {} as Record<T, ResolvedTool>;
  const unique = [...new Set(names)];
  for (const group of GROUPS) {
    const members = unique.filter((n) => group.tools.includes(n));
    if (members.length === 0) continue;
    for (const tool of await resolveGroup(group, members, ctx)) result[tool.name as T] = tool;
  }
  return result;
}

export interface ListedTool {
  name: ToolName;
  version: string;
  source?: 'path' | 'cache';
  path?: string;
  cached: boolean;
}

/** What `gauntlet tools list` shows; never downloads or builds. A broken explicit path is listed without a path. */
export async function listTools(
  opts: Pick<ResolveOptions, 'cacheDir' | 'explicitPaths'> = {},
): Promise<ListedTool[]> {
  const dir = opts.cacheDir ?? defaultCacheDir();
  const rows: ListedTool[] = [];
  for (const name of TOOL_NAMES) {
    const version = toolVersion(name);
    const cached = await readCached(dir, name, version);
    const chosen = explicitPathFor(name, opts.explicitPaths);
    const path = chosen ? await checkExplicitPath(name, chosen).catch(() => undefined) : cached?.path;
    rows.push({
      name,
      version,
      cached: cached !== undefined,
      ...(chosen ? { source: 'path' as const } : cached ? { source: 'cache' as const } : {}),
      ...(path ? { path } : {}),
    });
  }
  return rows;
}
