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
  // Real nodes (issue 12): the kubelet and its runtime, run inside node sandboxes.
  'kubelet',
  'kube-proxy',
  'containerd',
  'ctr',
  'containerd-shim-runc-v2',
  'runc',
  'cni-bridge',
  'cni-host-local',
  'cni-loopback',
  'cni-portmap',
] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

/** Binaries built by one `go` invocation share a group: they are obtained, and cached, together. */
const KUBERNETES_VERSION = 'v1.36.3';
export const GROUP_VERSIONS = {
  kubernetes: KUBERNETES_VERSION,
  // The node binaries come from the same Kubernetes wrapper module and version as the control plane.
  'kubernetes-node': KUBERNETES_VERSION,
  etcd: 'v3.6.16',
  kwok: 'v0.8.0',
  coredns: 'v1.14.7',
  vegeta: 'v12.13.0',
  containerd: 'v2.4.2',
  // The shim is the same release as containerd, built without cgo (as upstream ships it).
  'containerd-shim': 'v2.4.2',
  runc: 'v1.5.3',
  'cni-plugins': 'v1.10.0',
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
  | {
      kind: 'install';
      packages: BuildPackage[];
      ldflags: string;
      /** Go build tags (`-tags a,b`). */
      tags?: string[];
      /** Extra environment for go, e.g. CGO_ENABLED. */
      env?: Record<string, string>;
    };

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
const KUBE_NODE_TOOLS = ['kubelet', 'kube-proxy'] as const;

function kubernetes(
  name: 'kubernetes' | 'kubernetes-node',
  tools: readonly (typeof KUBE_TOOLS)[number][] | readonly (typeof KUBE_NODE_TOOLS)[number][],
): GroupSpec {
  const version = GROUP_VERSIONS[name];
  return {
    name,
    version,
    tools: [...tools],
    build: {
      kind: 'wrapper',
      modules: ['k8s.io/kubernetes'],
      packages: tools.map((tool) => ({ tool, pkg: `k8s.io/kubernetes/cmd/${tool}`, builtAs: tool })),
      ldflags: kubeLdflags(version),
      replacementVersion: () => stagingVersion(version),
    },
    artifacts: (os, arch) =>
      tools.map((tool) => {
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
      // Static: it also runs inside the real nodes' toolbox image, which has no C library.
      env: { CGO_ENABLED: '0' },
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

function containerd(): GroupSpec {
  const version = GROUP_VERSIONS.containerd;
  const tools = ['containerd', 'ctr'] as const;
  return {
    name: 'containerd',
    version,
    tools: [...tools],
    build: {
      kind: 'install',
      packages: tools.map((tool) => ({
        tool,
        pkg: `github.com/containerd/containerd/v2/cmd/${tool}`,
        builtAs: tool,
      })),
      ldflags: `-s -w -X github.com/containerd/containerd/v2/version.Version=${version}`,
      // No btrfs snapshotter (no headers needed); no man pages from urfave/cli.
      tags: ['no_btrfs', 'urfave_cli_no_docs'],
    },
    artifacts: (os, arch) => [
      containerdRelease(version, os, arch, { containerd: 'bin/containerd', ctr: 'bin/ctr' }),
    ],
  };
}

function containerdRelease(
  version: string,
  os: string,
  arch: string,
  members: Artifact['members'],
): Artifact {
  const fileName = `containerd-${version.slice(1)}-${os}-${arch}.tar.gz`;
  const url = `https://github.com/containerd/containerd/releases/download/${version}/${fileName}`;
  return { url, checksumUrl: `${url}.sha256sum`, fileName, archive: true, members };
}

function containerdShim(): GroupSpec {
  const version = GROUP_VERSIONS['containerd-shim'];
  return {
    name: 'containerd-shim',
    version,
    tools: ['containerd-shim-runc-v2'],
    build: {
      kind: 'install',
      packages: [
        {
          tool: 'containerd-shim-runc-v2',
          pkg: 'github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2',
          builtAs: 'containerd-shim-runc-v2',
        },
      ],
      ldflags: '-s -w',
      env: { CGO_ENABLED: '0' },
    },
    artifacts: (os, arch) => [
      containerdRelease(version, os, arch, { 'containerd-shim-runc-v2': 'bin/containerd-shim-runc-v2' }),
    ],
  };
}

function runc(): GroupSpec {
  const version = GROUP_VERSIONS.runc;
  return {
    name: 'runc',
    version,
    tools: ['runc'],
    // cgo with libseccomp (Debian's libseccomp-dev): without the seccomp tag a pod asking for the
    // RuntimeDefault profile fails to start.
    build: {
      kind: 'install',
      packages: [{ tool: 'runc', pkg: 'github.com/opencontainers/runc', builtAs: 'runc' }],
      ldflags: `-s -w -X main.version=${version.slice(1)}`,
      tags: ['seccomp'],
      env: { CGO_ENABLED: '1' },
    },
    artifacts: (os, arch) => {
      if (os !== 'linux') return [];
      const fileName = `runc.${arch}`;
      const base = `https://github.com/opencontainers/runc/releases/download/${version}`;
      return [
        {
          url: `${base}/${fileName}`,
          checksumUrl: `${base}/runc.sha256sum`,
          fileName,
          archive: false,
          members: { runc: null },
        },
      ];
    },
  };
}

/** CNI plugins are cached as cni-<type>; a node's CNI bin directory names them by type. */
export const CNI_PLUGINS = {
  'cni-bridge': 'main/bridge',
  'cni-host-local': 'ipam/host-local',
  'cni-loopback': 'main/loopback',
  'cni-portmap': 'meta/portmap',
} as const;
export type CniPluginTool = keyof typeof CNI_PLUGINS;

export function cniPluginType(tool: CniPluginTool): string {
  return tool.slice('cni-'.length);
}

function cniPlugins(): GroupSpec {
  const version = GROUP_VERSIONS['cni-plugins'];
  const tools = Object.keys(CNI_PLUGINS) as CniPluginTool[];
  return {
    name: 'cni-plugins',
    version,
    tools,
    build: {
      kind: 'install',
      packages: tools.map((tool) => ({
        tool,
        pkg: `github.com/containernetworking/plugins/plugins/${CNI_PLUGINS[tool]}`,
        builtAs: cniPluginType(tool),
      })),
      ldflags: '-s -w',
      env: { CGO_ENABLED: '0' },
    },
    artifacts: (os, arch) => {
      const fileName = `cni-plugins-${os}-${arch}-${version}.tgz`;
      const url = `https://github.com/containernetworking/plugins/releases/download/${version}/${fileName}`;
      const members: Artifact['members'] = {};
      for (const tool of tools) members[tool] = `./${cniPluginType(tool)}`;
      return [{ url, checksumUrl: `${url}.sha256`, fileName, archive: true, members }];
    },
  };
}

export const GROUPS: readonly GroupSpec[] = [
  kubernetes('kubernetes', KUBE_TOOLS),
  etcd(),
  kwok(),
  coredns(),
  vegeta(),
  kubernetes('kubernetes-node', KUBE_NODE_TOOLS),
  containerd(),
  containerdShim(),
  runc(),
  cniPlugins(),
];

/** The binaries a real node (kubelet + containerd sandbox) needs. */
export const REAL_NODE_TOOLS = [
  ...KUBE_NODE_TOOLS,
  'containerd',
  'ctr',
  'containerd-shim-runc-v2',
  'runc',
  ...(Object.keys(CNI_PLUGINS) as CniPluginTool[]),
] as const satisfies readonly ToolName[];

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
