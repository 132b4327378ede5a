import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { LocalClusterConfig } from '../../../src/config/schema.ts';
import { regionLabel, zoneLabel } from '../../../src/kube/describe.ts';
import type { ComponentSpec } from '../../../src/model/local-cluster-spec.ts';
import { repoRoot } from '../../../src/repo-root.ts';
import { CNI_PLUGINS, type CniPluginTool, cniPluginType } from '../../../src/tools/catalog.ts';
import { writeKubeconfig } from '../kubeconfig.ts';
import { type Pki, signCert } from '../pki.ts';
import { clusterLabel } from '../simulated-nodes.ts';
import { pauseImage } from './node-images.ts';
import {
  bridgePrefix,
  clusterDnsIp,
  hostVeth,
  nodeKindLabel,
  peerVeth,
  podNetwork,
  type RealNode,
  type RealNodesSpec,
  serviceCidr,
} from './node-plan.ts';

export const realNodeBinaries = [
  'containerd',
  'ctr',
  'containerd-shim-runc-v2',
  'runc',
  'kubelet',
  'kube-proxy',
] as const;
export type RealNodeBinaries = Record<(typeof realNodeBinaries)[number] | CniPluginTool, string>;

export interface RealNodeInputs {
  clusterName: string;
  uid: string;
  config: LocalClusterConfig;
  plan: RealNodesSpec;
  pki: Pki;
  binaries: RealNodeBinaries;
  /** The API as nodes and pods reach it: https://<bridge ip>:<port>. */
  server: string;
  images: string[];
  /** The cluster's logs/ directory: <node>.log, <node>-kubelet.log, -containerd.log, -kube-proxy.log. */
  logDir: string;
}

const launcher = join(repoRoot, 'fixtures', 'real-node', 'launch.sh');

/** The values the kubelet writes to global kernel settings; the node's shadow files hold them already. */
const kubeletSysctls: Record<string, string> = {
  'vm.overcommit_memory': '1',
  'vm.panic_on_oom': '0',
  'kernel.panic': '10',
  'kernel.panic_on_oops': '1',
  'kernel.keys.root_maxkeys': '1000000',
  'kernel.keys.root_maxbytes': '25000000',
};

function containerdConfig(node: RealNode): string {
  return `version = 3
root = '/var/lib/containerd'
state = '/run/containerd'

[grpc]
  address = '/run/containerd/containerd.sock'

[plugins.'io.containerd.cri.v1.images']
  snapshotter = 'overlayfs'
  [plugins.'io.containerd.cri.v1.images'.pinned_images]
    sandbox = '${pauseImage}'

[plugins.'io.containerd.cri.v1.runtime']
  # The VM's agent drops CAP_SYS_RESOURCE: a negative oom_score_adj fails every sandbox otherwise.
  restrict_oom_score_adj = true
  [plugins.'io.containerd.cri.v1.runtime'.containerd]
    default_runtime_name = 'runc'
    [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
      runtime_type = 'io.containerd.runc.v2'
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
        BinaryName = '${join(node.dir, 'bin', 'runc')}'
        SystemdCgroup = false
  [plugins.'io.containerd.cri.v1.runtime'.cni]
    bin_dirs = ['${join(node.dir, 'cni', 'bin')}']
    conf_dir = '${join(node.dir, 'cni', 'net.d')}'
`;
}

function cniConfig(node: RealNode): string {
  return JSON.stringify(
    {
      cniVersion: '1.0.0',
      name: 'gauntlet',
      plugins: [
        {
          type: 'bridge',
          bridge: 'cni0',
          isGateway: true,
          ipMasq: false,
          hairpinMode: true,
          ipam: { type: 'host-local', ranges: [[{ subnet: node.podCidr }]], routes: [{ dst: '0.0.0.0/0' }] },
        },
        { type: 'portmap', capabilities: { portMappings: true } },
      ],
    },
    null,
    2,
  );
}

function kubeletConfig(i: RealNodeInputs, node: RealNode): string {
  const t = i.config.timings;
  const etc = join(node.dir, 'etc');
  return `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: ${i.pki.caCert}}
authorization: {mode: Webhook}
cgroupDriver: cgroupfs
cgroupRoot: /${i.plan.cgroupParent}/${node.name}
# cgroup v1 is what this host has (hybrid; never remounted).
failCgroupV1: false
failSwapOn: false
clusterDNS: [${clusterDnsIp}]
clusterDomain: ${i.config.dns.clusterDomain}
resolvConf: ${join(etc, 'resolv.conf')}
containerRuntimeEndpoint: unix:///run/containerd/containerd.sock
runtimeRequestTimeout: ${t.runtimeRequestTimeoutSeconds}s
nodeLeaseDurationSeconds: ${t.nodeLeaseDurationSeconds}
nodeStatusUpdateFrequency: 5s
nodeStatusReportFrequency: 30s
tlsCertFile: ${join(etc, 'kubelet-serving.crt')}
tlsPrivateKeyFile: ${join(etc, 'kubelet-serving.key')}
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
serializeImagePulls: false
registerNode: true
# A shared build machine's disk: no disk-pressure evictions, no GC of the offline images.
evictionHard: {memory.available: 50Mi, nodefs.available: 1%, imagefs.available: 1%, nodefs.inodesFree: 1%}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
localStorageCapacityIsolation: false
protectKernelDefaults: false
makeIPTablesUtilChains: true
maxPods: 50
`;
}

function kubeProxyConfig(node: RealNode): string {
  return `apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection:
  kubeconfig: ${join(node.dir, 'etc', 'kube-proxy.kubeconfig')}
mode: iptables
hostnameOverride: ${node.name}
bindAddress: ${node.ip}
clusterCIDR: ${podNetwork}
# Global conntrack settings are the host's: leave them.
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
iptables: {localhostNodePorts: false}
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
`;
}

function nodeEnv(i: RealNodeInputs, node: RealNode, index: number): string {
  const routes = i.plan.nodes
    .filter((other) => other.name !== node.name)
    .map((other) => `${other.podCidr}@${other.ip}`)
    .join(' ');
  const labels = [
    `${zoneLabel}=${node.zone}`,
    `${regionLabel}=${i.config.region}`,
    `${clusterLabel}=${i.clusterName}`,
    `${nodeKindLabel}=real`,
    'node.kubernetes.io/instance-type=gauntlet.real',
    'type=real',
  ].join(',');
  const vars: Record<string, string> = {
    NODE_NAME: node.name,
    NODE_IP: node.ip,
    NODE_LABELS: labels,
    BRIDGE: i.plan.bridge,
    BRIDGE_PREFIX: String(bridgePrefix),
    BRIDGE_IP: i.plan.bridgeIp,
    POD_NETWORK: podNetwork,
    HOST_VETH: hostVeth(i.uid, index),
    PEER_VETH: peerVeth(i.uid, index),
    SERVICE_CIDR: serviceCidr,
    POD_ROUTES: routes,
    CGROUP_ROOT: `${i.plan.cgroupParent}/${node.name}`,
    LOG_DIR: i.logDir,
  };
  return `${Object.entries(vars)
    .map(([k, v]) => `${k}='${v}'`)
    .join('\n')}\n`;
}

/** Writes one node's directory (configuration, identity, binaries, images) and returns its component. */
export async function writeRealNode(
  i: RealNodeInputs,
  node: RealNode,
  index: number,
): Promise<ComponentSpec> {
  const etc = join(node.dir, 'etc');
  for (const sub of ['etc', 'bin', 'cni/bin', 'cni/net.d', 'sysctl', 'images', 'var'])
    await mkdir(join(node.dir, sub), { recursive: true });
  for (const tool of realNodeBinaries) await symlink(i.binaries[tool], join(node.dir, 'bin', tool));
  for (const tool of Object.keys(CNI_PLUGINS) as CniPluginTool[])
    await symlink(i.binaries[tool], join(node.dir, 'cni', 'bin', cniPluginType(tool)));
  for (const image of i.images) await symlink(image, join(node.dir, 'images', basename(image)));
  for (const [key, value] of Object.entries(kubeletSysctls))
    await writeFile(join(node.dir, 'sysctl', key), `${value}\n`);

  // The node's identity (Node authorizer, NodeRestriction) and its serving certificate (logs, exec).
  const client = { cert: join(etc, 'kubelet-client.crt'), key: join(etc, 'kubelet-client.key') };
  await Promise.all([
    signCert(i.pki, client.cert, client.key, `/O=system:nodes/CN=system:node:${node.name}`, 'clientAuth'),
    signCert(
      i.pki,
      join(etc, 'kubelet-serving.crt'),
      join(etc, 'kubelet-serving.key'),
      `/CN=${node.name}`,
      'serverAuth',
      [`DNS:${node.name}`, `IP:${node.ip}`],
    ),
  ]);
  await writeKubeconfig(join(etc, 'kubelet.kubeconfig'), {
    clusterName: i.clusterName,
    server: i.server,
    caFile: i.pki.caCert,
    certFile: client.cert,
    keyFile: client.key,
    user: `system:node:${node.name}`,
  });
  await writeKubeconfig(join(etc, 'kube-proxy.kubeconfig'), {
    clusterName: i.clusterName,
    server: i.server,
    caFile: i.pki.caCert,
    certFile: i.pki.clients['kube-proxy'].cert,
    keyFile: i.pki.clients['kube-proxy'].key,
    user: 'system:kube-proxy',
  });
  await writeFile(join(etc, 'containerd.toml'), containerdConfig(node));
  await writeFile(join(node.dir, 'cni', 'net.d', '10-gauntlet.conflist'), cniConfig(node));
  await writeFile(join(etc, 'kubelet.yaml'), kubeletConfig(i, node));
  await writeFile(join(etc, 'kube-proxy.yaml'), kubeProxyConfig(node));
  // No upstream resolver: a node has no route out. Pods get the cluster's DNS (clusterDNS) only.
  await writeFile(join(etc, 'resolv.conf'), '');
  await writeFile(join(node.dir, 'node.env'), nodeEnv(i, node, index));
  return {
    id: node.componentId,
    kind: 'real-node',
    command: 'bash',
    args: [launcher, node.dir],
    logFile: join(i.logDir, `${node.name}.log`),
    restart: 'always',
    startWhen: 'api-ready',
  };
}
