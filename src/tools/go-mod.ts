/**
 * Just enough of go.mod to build a wrapper module. Go ignores `replace` directives of every module
 * but the main one, and k8s.io/kubernetes and etcd's server replace their sibling modules with local
 * directories (./staging/src/k8s.io/api, ../api) that do not exist in the module cache. A wrapper main
 * module that requires them and re-states those replaces with published versions builds them unmodified.
 */

export interface GoModRequire {
  path: string;
  version: string;
}

export interface GoModReplace {
  from: string;
  fromVersion?: string;
  to: string;
  toVersion?: string;
}

export interface GoMod {
  module?: string;
  go?: string;
  /** `key=value` settings, in file order. */
  godebug: string[];
  requires: GoModRequire[];
  replaces: GoModReplace[];
}

function tokens(text: string): string[] {
  return text
    .split(/\s+/)
    .filter((t) => t !== '')
    .map((t) => t.replace(/^"(.*)"$/, '$1'));
}

export function parseGoMod(text: string): GoMod {
  const mod: GoMod = { godebug: [], requires: [], replaces: [] };
  let block: string | undefined;
  const directive = (verb: string, rest: string) => {
    const t = tokens(rest);
    switch (verb) {
      case 'module':
        mod.module = t[0];
        break;
      case 'go':
        mod.go = t[0];
        break;
      case 'godebug':
        mod.godebug.push(...t);
        break;
      case 'require':
        if (t[0] && t[1]) mod.requires.push({ path: t[0], version: t[1] });
        break;
      case 'replace': {
        const [left = '', right = ''] = rest.split('=>');
        const [from, fromVersion] = tokens(left);
        const [to, toVersion] = tokens(right);
        if (from && to) {
          mod.replaces.push({
            from,
            to,
            ...(fromVersion ? { fromVersion } : {}),
            ...(toVersion ? { toVersion } : {}),
          });
        }
        break;
      }
    }
  };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\/\/.*$/, '').trim();
    if (line === '') continue;
    if (block !== undefined) {
      if (line === ')') block = undefined;
      else directive(block, line);
      continue;
    }
    const opening = /^(\w+)\s*\($/.exec(line);
    if (opening) {
      block = opening[1];
      continue;
    }
    const m = /^(\w+)\s+(.*)$/.exec(line);
    if (m?.[1] && m[2] !== undefined) directive(m[1], m[2]);
  }
  return mod;
}

export function isLocalPath(path: string): boolean {
  return path === '.' || path === '..' || /^(\.\.?\/|\/)/.test(path);
}

function compareGoVersions(a: string, b: string): number {
  const pa = a.split('.').map((n) => Number.parseInt(n, 10) || 0);
  const pb = b.split('.').map((n) => Number.parseInt(n, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export interface Upstream {
  path: string;
  version: string;
  /** The text of that module version's go.mod. */
  goMod: string;
}

export interface WrapperInput {
  module: string;
  upstreams: Upstream[];
  /** Version to pin a module at that an upstream replaces with a local directory. */
  replacementVersion: (module: string, upstream: Upstream) => string;
}

/**
 * The wrapper's go.mod, before `go mod tidy` adds the indirect requirements:
 * - `go`: the highest among the upstreams (the `toolchain` line is left out: it would make go fetch a toolchain);
 * - `godebug`: the upstreams' settings (first one wins per key), so runtime defaults match an upstream build;
 * - `require`: each upstream at its version;
 * - `replace`: for each module an upstream both requires and replaces: local-path replaces become the same
 *   module at `replacementVersion`, version replaces are kept as written. Replaces of modules the upstream
 *   does not require (e.g. `go.etcd.io/etcd => ./FORBIDDEN_DEPENDENCY` guards) are dropped.
 */
export function wrapperGoMod(input: WrapperInput): string {
  const parsed = input.upstreams.map((u) => ({ upstream: u, mod: parseGoMod(u.goMod) }));
  const own = new Set(input.upstreams.map((u) => u.path));

  let go: string | undefined;
  const godebug = new Map<string, string>();
  const replaces = new Map<string, string>();
  for (const { upstream, mod } of parsed) {
    if (mod.go && (!go || compareGoVersions(mod.go, go) > 0)) go = mod.go;
    for (const setting of mod.godebug) {
      const key = setting.split('=')[0] ?? setting;
      if (!godebug.has(key)) godebug.set(key, setting);
    }
    const required = new Set(mod.requires.map((r) => r.path));
    for (const r of mod.replaces) {
      if (own.has(r.from) || !required.has(r.from) || replaces.has(r.from)) continue;
      if (r.to.includes('FORBIDDEN_DEPENDENCY')) continue;
      if (isLocalPath(r.to)) {
        replaces.set(r.from, `${r.from} => ${r.from} ${input.replacementVersion(r.from, upstream)}`);
      } else if (r.toVersion) {
        const from = r.fromVersion ? `${r.from} ${r.fromVersion}` : r.from;
        replaces.set(r.from, `${from} => ${r.to} ${r.toVersion}`);
      }
    }
  }

  const block = (verb: string, lines: string[]): string =>
    lines.length === 1 ? `${verb} ${lines[0]}\n` : `${verb} (\n${lines.map((l) => `\t${l}\n`).join('')})\n`;
  const sections = [`module ${input.module}\n`];
  if (go) sections.push(`go ${go}\n`);
  if (godebug.size > 0) sections.push(block('godebug', [...godebug.values()]));
  sections.push(
    block(
      'require',
      input.upstreams.map((u) => `${u.path} ${u.version}`),
    ),
  );
  if (replaces.size > 0) {
    sections.push(
      block(
        'replace',
        [...replaces.keys()].sort().map((k) => replaces.get(k) ?? ''),
      ),
    );
  }
  return sections.join('\n');
}

/** `//go:build tools` file that makes `go mod tidy` keep what the main packages need. */
export function toolsGo(packages: string[]): string {
  const imports = packages.map((p) => `\t_ "${p}"\n`).join('');
  return `//go:build tools\n\npackage tools\n\nimport (\n${imports})\n`;
}
