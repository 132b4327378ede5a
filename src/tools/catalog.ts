/**
 * The one place that says which binaries gauntlet uses, at which versions, where the official release
 * artifacts live and how to build them from source. A version bump is one string in GROUP_VERSIONS.
 */

export const TOOL_NAMES = [
  'etcd',
  'etcdctl',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kwok',
  'kwokctl',
  'coredns',
  'vegeta',
] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

/** Binaries built by one `go` invocation share a group: they are obtained, and cached, together. */
export const GROUP_VERSIONS = {
  kubernetes: 'v1.36.3',
  etcd: 'v3.6.16',
  kwok: 'v0.8.0',
  coredns: 'v1.14.7',
  vegeta: 'v12.13.0',
} as const;
export type GroupName = keyof typeof GROUP_VERSIONS;

/** One main package of a build and the file name `go build -o dir/` gives it. */
export interface BuildPackage {
  tool: ToolName;
  pkg: string;
  /** Go names a binary after the last path element, skipping a major-version suffix (server/v3 -> server). */
  builtAs: string;
}

export type BuildSpec =
  /**
   * Modules whose go.mod replaces dependencies with local paths cannot be `go install`ed;
   * they are built from a generated wrapper module (see go-mod.ts).
   */
  | {
      kind: 'wrapper';
      modules: string[];
      packages: BuildPackage[];
      ldflags: string;
      /** The version to pin a module at that upstream replaces with a local directory. */
      replacementVersion: (module: string) => string;
    }
  /** Plain `GOBIN=<dir> go install pkg@version`. */
  | { kind: 'install'; packages: BuildPackage[]; ldflags: string };

/**
 * An official release file. `members` maps each tool it provides to its path inside the archive,
 * or to null when the file is the binary itself.
 */
export interface Artifact {
  url: string;
  checksumUrl: string;
  /** The name the checksum file lists the artifact under (checksum files may list many). */
  fileName: string;
  archive: boolean;
  members: Partial<Record<ToolName, string | null>>;
}

export interface GroupSpec {
  name: GroupName;
  version: string;
  tools: ToolName[];
  build: BuildSpec;
  /** Official artifacts for one platform; the URLs' paths are also the layout a mirror must serve. */
  artifacts: (os: string, arch: string) => Artifact[];
}

/** Kubernetes' staging modules (k8s.io/api, ...) are published as v0.Y.Z for release v1.Y.Z. */
export function stagingVersion(kubeVersion: string): string {
  return kubeVersion.replace(/^v1\./, 'v0.');
}

/** Without these, /version of a source build reports v0.0.0 and clients warn about skew. */
export function kubeLdflags(version: string): string {
  const m = /^v(\d+)\.(\d+)\./.exec(version);
  if (!m) throw new Error(`not a Kubernetes release version: ${version}`);
  const flags = ['-s', '-w'];
  for (const pkg of ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version']) {
    flags.push(
      `-X ${pkg}.gitVersion=${version}`,
      `-X ${pkg}.gitMajor=${m[1]}`,
      `-X ${pkg}.gitMinor=${m[2]}`,
      `-X ${pkg}.gitTreeState=clean`,
      `-X ${pkg}.buildDate=2026-01-01T00:00:00Z`,
    );
  }
  return flags.join(' ');
}

const KUBE_TOOLS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const;

function kubernetes(): GroupSpec {
  const version = GROUP_VERSIONS.kubernetes;
  return {
    name: 'kubernetes',
    version,
    tools: [...KUBE_TOOLS],
    build: {
      kind: 'wrapper',
      modules: ['k8s.io/kubernetes'],
      packages: KUBE_TOOLS.map((tool) => ({ tool, pkg: `k8s.io/kubernetes/cmd/${tool}`, builtAs: tool })),
      ldflags: kubeLdflags(version),
      replacementVersion: () => stagingVersion(version),
    },
    artifacts: (os, arch) =>
      KUBE_TOOLS.map((tool) => {
        const url = `https://dl.k8s.io/release/${version}/bin/${os}/${arch}/${tool}`;
        return {
          url,
          checksumUrl: `${url}.sha256`,
          fileName: tool,
          archive: false,
          members: { [tool]: null },
        };
      }),
  };
}

function etcd(): GroupSpec {
  const version = GROUP_VERSIONS.etcd;
  return {
    name: 'etcd',
    version,
    tools: ['etcd', 'etcdctl'],
    build: {
      kind: 'wrapper',
      modules: ['go.etcd.io/etcd/server/v3', 'go.etcd.io/etcd/etcdctl/v3'],
      packages: [
        { tool: 'etcd', pkg: 'go.etcd.io/etcd/server/v3', builtAs: 'server' },
        { tool: 'etcdctl', pkg: 'go.etcd.io/etcd/etcdctl/v3', builtAs: 'etcdctl' },
      ],
      ldflags: '-s -w',
      // etcd's modules (api, client/pkg, client/v3, pkg) are released together at one version.
      replacementVersion: () => version,
    },
    artifacts: (os, arch) => {
      const dir = `etcd-${version}-${os}-${arch}`;
      const base = `https://github.com/etcd-io/etcd/releases/download/${version}`;
      return [
        {
          url: `${base}/${dir}.tar.gz`,
          checksumUrl: `${base}/SHA256SUMS`,
          fileName: `${dir}.tar.gz`,
          archive: true,
          members: { etcd: `${dir}/etcd`, etcdctl: `${dir}/etcdctl` },
        },
      ];
    },
  };
}

function kwok(): GroupSpec {
  const version = GROUP_VERSIONS.kwok;
  const tools = ['kwok', 'kwokctl'] as const;
  return {
    name: 'kwok',
    version,
    tools: [...tools],
    build: {
      kind: 'install',
      packages: tools.map((tool) => ({ tool, pkg: `sigs.k8s.io/kwok/cmd/${tool}`, builtAs: tool })),
      ldflags: '-s -w',
    },
    // Release assets are bare binaries named <tool>-<os>-<arch>; the checksum sits beside each as .sha256.
    artifacts: (os, arch) =>
      tools.map((tool) => {
        const fileName = `${tool}-${os}-${arch}`;
        const url = `https://github.com/kubernetes-sigs/kwok/releases/download/${version}/${fileName}`;
        return { url, checksumUrl: `${url}.sha256`, fileName, archive: false, members: { [tool]: null } };
      }),
  };
}

function coredns(): GroupSpec {
  const version = GROUP_VERSIONS.coredns;
  return {
    name: 'coredns',
    version,
    tools: ['coredns'],
    build: {
      kind: 'install',
      packages: [{ tool: 'coredns', pkg: 'github.com/coredns/coredns', builtAs: 'coredns' }],
      ldflags: '-s -w',
    },
    artifacts: (os, arch) => {
      const fileName = `coredns_${version.slice(1)}_${os}_${arch}.tgz`;
      const url = `https://github.com/coredns/coredns/releases/download/${version}/${fileName}`;
      return [
        { url, checksumUrl: `${url}.sha256`, fileName, archive: true, members: { coredns: 'coredns' } },
      ];
    },
  };
}

function vegeta(): GroupSpec {
  const version = GROUP_VERSIONS.vegeta;
  return {
    name: 'vegeta',
    version,
    tools: ['vegeta'],
    // MIT; its go.mod has no replace directives. Go names the binary after the module, skipping /v12.
    build: {
      kind: 'install',
      packages: [{ tool: 'vegeta', pkg: 'github.com/tsenart/vegeta/v12', builtAs: 'vegeta' }],
      ldflags: `-s -w -X main.Version=${version}`,
    },
    artifacts: (os, arch) => {
      const fileName = `vegeta_${version.slice(1)}_${os}_${arch}.tar.gz`;
      const base = `https://github.com/tsenart/vegeta/releases/download/${version}`;
      return [
        {
          url: `${base}/${fileName}`,
          checksumUrl: `${base}/vegeta_${version.slice(1)}_checksums.txt`,
          fileName,
          archive: true,
          members: { vegeta: 'vegeta' },
        },
      ];
    },
  };
}

export const GROUPS: readonly GroupSpec[] = [kubernetes(), etcd(), kwok(), coredns(), vegeta()];

export function groupOf(name: ToolName): GroupSpec {
  const group = GROUPS.find((g) => g.tools.includes(name));
  if (!group) throw new Error(`tool ${name} is in no group`);
  return group;
}

export function toolVersion(name: ToolName): string {
  return groupOf(name).version;
}

export function isToolName(value: string): value is ToolName {
  return (TOOL_NAMES as readonly string[]).includes(value);
}
