import { access, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { InfrastructureError } from '../errors.ts';
import type { Progress } from '../log.ts';
import type { GroupSpec, ToolName } from './catalog.ts';
import { binEnvVar } from './explicit.ts';
import { toolsGo, type Upstream, wrapperGoMod } from './go-mod.ts';

/**
 * Builds one group with the machine's `go`. The environment is passed through untouched (GOFLAGS,
 * GOPROXY, GOCACHE...) and the flags are fixed per group, so a build matches any warm-up build run with
 * the same flags and reuses its Go build cache. Only GOWORK is pinned off: a go.work above the temp dir
 * must not leak into the wrapper module.
 */

const HEARTBEAT_MS = 30_000;
const TAIL_LINES = 40;

export interface GoBuildOptions {
  /** Scratch directory for this build; outputs land in <workDir>/out. Must be on the cache's filesystem. */
  workDir: string;
  progress: Progress;
  signal?: AbortSignal;
}

function elapsed(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

interface RunOptions {
  cwd: string;
  env?: Record<string, string>;
  progress: Progress;
  signal?: AbortSignal;
  /** What the heartbeat says we are doing, e.g. "building kube-apiserver, kube-scheduler". */
  doing: string;
  /** Which binaries a failure is about. */
  tools: ToolName[];
}

/** Runs go, counting output lines (with -v: packages compiled) and keeping the tail for error messages. */
async function runGo(args: string[], opts: RunOptions): Promise<string> {
  const started = Date.now();
  const tail: string[] = [];
  let lines = 0;
  const child = execa('go', args, {
    cwd: opts.cwd,
    env: { GOWORK: 'off', ...opts.env },
    reject: false,
    ...(opts.signal ? { cancelSignal: opts.signal } : {}),
  });
  // go writes progress (-v package lines) and errors to stderr.
  const reading = (async () => {
    for await (const chunk of child.iterable({ from: 'stderr' })) {
      const line = String(chunk);
      lines++;
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
      opts.progress.detail(`go: ${line}`);
    }
  })().catch(() => {});
  const unit = args.includes('-v') ? 'packages compiled' : 'lines of output';
  const heartbeat = setInterval(() => {
    opts.progress.step(`still ${opts.doing}... ${elapsed(Date.now() - started)} (${lines} ${unit})`);
  }, HEARTBEAT_MS);
  try {
    const result = await child;
    await reading;
    opts.signal?.throwIfAborted();
    if (result.code === 'ENOENT') {
      throw new InfrastructureError(
        `cannot build ${opts.tools.join(', ')}: no \`go\` on PATH; install Go, or set ` +
          `${opts.tools.map(binEnvVar).join(' / ')} to existing binaries, or configure GAUNTLET_TOOLS_MIRROR`,
      );
    }
    if (result.failed) {
      throw new InfrastructureError(
        `cannot build ${opts.tools.join(', ')}: \`go ${args.join(' ')}\` failed (exit code ${result.exitCode}); ` +
          `last lines of go's output:\n${tail.join('\n')}`,
      );
    }
    return String(result.stdout);
  } finally {
    clearInterval(heartbeat);
  }
}

/** The go.mod text of module@version, read via the module cache / GOPROXY. */
async function upstreamGoMod(
  path: string,
  version: string,
  run: Omit<RunOptions, 'doing'>,
): Promise<Upstream> {
  const out = await runGo(['mod', 'download', '-json', `${path}@${version}`], {
    ...run,
    doing: `downloading ${path}@${version}`,
  });
  const info = JSON.parse(out) as { GoMod?: string; Error?: string };
  if (info.Error || !info.GoMod) {
    throw new InfrastructureError(
      `cannot build ${run.tools.join(', ')}: go mod download ${path}@${version}: ${info.Error ?? 'no GoMod'}`,
    );
  }
  return { path, version, goMod: await readFile(info.GoMod, 'utf8') };
}

/** Builds every tool of `group`; returns where each binary was written (inside opts.workDir). */
export async function buildGroup(group: GroupSpec, opts: GoBuildOptions): Promise<Map<ToolName, string>> {
  const { build } = group;
  const tools = build.packages.map((p) => p.tool);
  const out = join(opts.workDir, 'out');
  await mkdir(out, { recursive: true });
  const base = { progress: opts.progress, tools, ...(opts.signal ? { signal: opts.signal } : {}) };
  const doing = `building ${tools.join(', ')} ${group.version}`;
  // Say up front how long this may take: nothing else will be printed for minutes.
  const slow = group.name.startsWith('kubernetes') ? '30+ minutes on 2 cores' : 'several minutes';
  opts.progress.step(`${doing} from source with go (with a cold Go build cache: ${slow})`);

  if (build.kind === 'wrapper') {
    const mod = await mkdtemp(join(opts.workDir, 'mod-'));
    const upstreams: Upstream[] = [];
    for (const path of build.modules)
      upstreams.push(await upstreamGoMod(path, group.version, { ...base, cwd: mod }));
    const goMod = wrapperGoMod({
      module: `gauntlet.local/build/${group.name}`,
      upstreams,
      replacementVersion: (m) => build.replacementVersion(m),
    });
    await writeFile(join(mod, 'go.mod'), goMod);
    await writeFile(join(mod, 'tools.go'), toolsGo(build.packages.map((p) => p.pkg)));
    await runGo(['mod', 'tidy'], { ...base, cwd: mod, doing: `resolving modules for ${tools.join(', ')}` });
    await runGo(
      ['build', '-v', '-ldflags', build.ldflags, '-o', `${out}/`, ...build.packages.map((p) => p.pkg)],
      {
        ...base,
        cwd: mod,
        doing,
      },
    );
  } else {
    const tags = build.tags && build.tags.length > 0 ? ['-tags', build.tags.join(',')] : [];
    await runGo(
      [
        'install',
        '-v',
        ...tags,
        '-ldflags',
        build.ldflags,
        ...build.packages.map((p) => `${p.pkg}@${group.version}`),
      ],
      {
        ...base,
        cwd: opts.workDir,
        env: { ...build.env, GOBIN: out },
        doing,
      },
    );
  }

  const built = new Map<ToolName, string>();
  for (const p of build.packages) {
    const file = join(out, p.builtAs);
    try {
      await access(file);
    } catch {
      throw new InfrastructureError(`cannot build ${p.tool}: go succeeded but wrote no ${file}`);
    }
    built.set(p.tool, file);
  }
  return built;
}
