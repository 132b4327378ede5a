import { spawn } from 'node:child_process';
import { copyFile, mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import type { GauntletConfig } from '../../src/config/schema.ts';
import { ClusterAssertionError, ConfigError, GauntletError, InfrastructureError } from '../../src/errors.ts';
import { ensureProbeDeployment, waitForProbeAvailable } from '../../src/kube/probe-deployment.ts';
import type { Progress } from '../../src/log.ts';
import type { LocalClusterSpec } from '../../src/model/local-cluster-spec.ts';
import { clusterDir } from '../../src/paths.ts';
import { clusterMarkerVariable, findClusterProcesses } from '../../src/process/cluster-processes.ts';
import { freePorts, freeTcpAndUdpPort, isPortFree } from '../../src/process/ports.ts';
import { repoRoot } from '../../src/repo-root.ts';
import { type ResolvedTool, resolveTools } from '../../src/tools/index.ts';
import { ensureCorednsRbac, writeCorefile } from './cluster-dns.ts';
import { readLocalSpec, readUid, writeSpec, writeUid } from './cluster-state.ts';
import { clusterComponents } from './components/cluster-components.ts';
import { apiServerHost, memberCounts } from './components/component-inputs.ts';
import { controllerEnabled } from './controller-flags.ts';
import { destroyLocalCluster } from './destroy-cluster.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import { supervisorLogTail, waitForApi } from './local-cluster-health.ts';
import { createPki } from './pki.ts';
import { ensureKubeDnsService } from './real-nodes/kube-dns-service.ts';
import { type PreparedRealNodes, prepareRealNodes, provisionRealNodes } from './real-nodes/real-nodes.ts';
import { createNodes, simulatedNodes, waitForNodesReady } from './simulated-nodes.ts';

const clusterBinaries = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kwok',
  'coredns',
] as const;
type ClusterBinary = (typeof clusterBinaries)[number];
const stagesFixture = join(repoRoot, 'fixtures', 'kwok', 'stages.yaml');
const gauntletCli = join(repoRoot, 'bin', 'gauntlet.js');

/** Deadlines of `cluster up`, generous for 2-core machines; 1000 nodes get more time. */
function upDeadlines(nodes: number) {
  return { apiMs: 90_000, nodesMs: 60_000 + nodes * 120, probeMs: 60_000 };
}

export interface UpOptions {
  progress: Progress;
  signal?: AbortSignal;
}

/**
 * Provisions the embedded cluster: real etcd, kube-apiserver(s), controller manager(s), scheduler(s) and kwok,
 * supervised by a detached process so the cluster outlives this command. Returns when the API is healthy,
 * every node is Ready and the probe Deployment is available. On any failure nothing is left running.
 */
export async function upLocalCluster(config: GauntletConfig, o: UpOptions): Promise<LocalClusterSpec> {
  const { name, local } = config.cluster;
  const { progress } = o;
  const dir = clusterDir(name);

  const existing = await readUid(dir);
  if (existing) {
    const processes = await findClusterProcesses(existing);
    // A damaged cluster.json is a leftover like any other: reaped below, not a reason to refuse.
    const spec = await readLocalSpec(name).catch(() => undefined);
    if (spec?.readyAt && processes.length > 0) {
      throw new ConfigError(
        `cluster "${name}" is already running (${processes.length} processes, up since ${spec.readyAt}); ` +
          `reuse it with --cluster ${name}, or stop it with: gauntlet cluster down --name ${name}`,
      );
    }
    progress.step(`reaping leftovers of an earlier cluster "${name}" (${processes.length} processes)`);
    await destroyLocalCluster(name, progress);
  }
  if (local.apiServerPort !== 0 && !(await isPortFree(local.apiServerPort))) {
    throw new ConfigError(
      `cluster.local.apiServerPort: port ${local.apiServerPort} is already in use on 127.0.0.1`,
    );
  }

  progress.step('resolving binaries');
  // CoreDNS is resolved with the others (same cache, same download/build rules), unless switched off.
  const wanted = clusterBinaries.filter((b) => b !== 'coredns' || local.components.coredns.enabled);
  const tools = (await resolveTools([...wanted], {
    explicitPaths: config.tools.paths,
    mirror: config.tools.mirror,
    allowDownload: config.tools.download,
    allowBuild: config.tools.build,
    progress,
    signal: o.signal,
  })) as Record<ClusterBinary, ResolvedTool>;

  const uid = crypto.randomUUID();
  // Before anything starts: a host that cannot run real nodes is told at once, with the reason.
  const realNodes =
    local.realNodes > 0 ? await prepareRealNodes(config, dir, uid, progress, o.signal) : undefined;
  await mkdir(join(dir, 'logs'), { recursive: true });
  await writeUid(dir, uid); // first, so a crash from here on leaves reapable leftovers
  // Started now, it boots while certificates and configuration are written, and begins once cluster.json appears.
  const supervisorExited = await startSupervisor(dir, uid);
  try {
    const spec = await provision(config, dir, uid, tools, { ...o, supervisorExited, realNodes });
    return spec;
  } catch (error) {
    const tail = await supervisorLogTail(dir).catch(() => '');
    progress.step('cluster up failed; stopping everything it started');
    await destroyLocalCluster(name, progress, { keepLogs: true }).catch(() => undefined);
    // A wait the cluster never satisfied (a ClusterAssertionError from watchUntil) fails `cluster up` with exit 3.
    if (error instanceof ClusterAssertionError)
      throw new InfrastructureError(`${error.message}${tail}`, { cause: error });
    if (error instanceof GauntletError) {
      throw new (error.constructor as typeof GauntletError)(`${error.message}${tail}`, error.exitCode);
    }
    throw new InfrastructureError(`cluster up failed: ${(error as Error).message}${tail}`, { cause: error });
  }
}

async function provision(
  config: GauntletConfig,
  dir: string,
  uid: string,
  tools: Partial<Record<ClusterBinary, ResolvedTool>> &
    Record<Exclude<ClusterBinary, 'coredns'>, ResolvedTool>,
  o: UpOptions & { supervisorExited: () => boolean; realNodes?: PreparedRealNodes | undefined },
): Promise<LocalClusterSpec> {
  const { name, local } = config.cluster;
  const { progress } = o;
  const counts = memberCounts(local.ha);

  progress.step(`generating certificates and configuration in ${dir}`);
  const plan = o.realNodes?.plan;
  const pki = await createPki(join(dir, 'pki'), plan ? [`IP:${plan.bridgeIp}`] : []);
  // One allocation for every port, each free on all apiserver addresses, so no two components collide.
  const apiServerHosts = Array.from({ length: counts.apiServers }, (_, n) => apiServerHost(n));
  const ports = await freePorts(
    2 * counts.etcd + counts.controllerManagers + counts.schedulers + 2 + local.zones.length,
    apiServerHosts,
  );
  const take = (n: number) => ports.splice(0, n);
  const componentPorts = {
    apiServer: take(1)[0]!,
    loadBalancer: local.apiServerPort || take(1)[0]!,
    etcdClient: take(counts.etcd),
    etcdPeer: take(counts.etcd),
    controllerManager: take(counts.controllerManagers),
    scheduler: take(counts.schedulers),
    kwok: take(local.zones.length),
  };
  const endpoint = `https://127.0.0.1:${componentPorts.loadBalancer}`;
  const kubeconfigFor = async (file: string, identity: keyof typeof pki.clients) => {
    const path = join(dir, file);
    await writeKubeconfig(path, {
      clusterName: name,
      server: endpoint,
      caFile: pki.caCert,
      certFile: pki.clients[identity].cert,
      keyFile: pki.clients[identity].key,
      user: identity,
    });
    return path;
  };
  const kubeconfig = await kubeconfigFor('kubeconfig', 'admin');
  const kubeconfigs = {
    controllerManager: await kubeconfigFor('controller-manager.kubeconfig', 'kube-controller-manager'),
    scheduler: await kubeconfigFor('scheduler.kubeconfig', 'kube-scheduler'),
    kwok: await kubeconfigFor('kwok.kubeconfig', 'kwok'),
  };
  const dns = tools.coredns
    ? await writeCorefile(dir, {
        config: local,
        port: await freeTcpAndUdpPort(),
        kubeconfig: await kubeconfigFor('coredns.kubeconfig', 'coredns'),
        context: name,
        alsoBind: plan?.bridgeIp,
      })
    : undefined;
  const kwokConfigFile = join(dir, 'kwok.yaml');
  await copyFile(stagesFixture, kwokConfigFile);

  const components = clusterComponents({
    name,
    dir,
    config: local,
    pki,
    binaries: {
      etcd: tools.etcd.path,
      'kube-apiserver': tools['kube-apiserver'].path,
      'kube-controller-manager': tools['kube-controller-manager'].path,
      'kube-scheduler': tools['kube-scheduler'].path,
      kwok: tools.kwok.path,
    },
    ports: componentPorts,
    kubeconfigs,
    kwokConfigFile,
    ...(tools.coredns && dns ? { coredns: { binary: tools.coredns.path, corefile: dns.corefile } } : {}),
    ...(plan ? { realNodes: { bridgeIp: plan.bridgeIp } } : {}),
  });
  if (o.realNodes) {
    progress.step(
      `preparing ${o.realNodes.plan.nodes.length} real nodes on bridge ${o.realNodes.plan.bridge}`,
    );
    components.push(
      ...(await provisionRealNodes(o.realNodes, {
        config,
        dir,
        uid,
        pki,
        apiServerPort: componentPorts.apiServer,
      })),
    );
  }
  const etcdMembers = components
    .filter((c) => c.kind === 'etcd')
    .map((c, n) => ({
      id: c.id,
      clientUrl: `https://127.0.0.1:${componentPorts.etcdClient[n]}`,
      peerUrl: `https://127.0.0.1:${componentPorts.etcdPeer[n]}`,
      dataDir: join(dir, 'etcd', c.id),
    }));
  const spec: LocalClusterSpec = {
    name,
    uid,
    dir,
    createdAt: new Date().toISOString(),
    config: local,
    endpoint,
    loadBalancer: {
      listen: { host: '127.0.0.1', port: componentPorts.loadBalancer },
      backends: apiServerHosts.map((host) => ({ host, port: componentPorts.apiServer })),
      // Real nodes and their pods reach the API on the cluster bridge, where the `kubernetes` Service points.
      ...(plan ? { alsoListen: [{ host: plan.bridgeIp, port: componentPorts.apiServer }] } : {}),
    },
    kubeconfig,
    apiServers: components
      .filter((c) => c.kind === 'kube-apiserver')
      .map((c, n) => ({ id: c.id, url: `https://${apiServerHost(n)}:${componentPorts.apiServer}` })),
    etcdMembers,
    etcdClient: {
      caFile: pki.caCert,
      certFile: pki.apiserverEtcdClientCert,
      keyFile: pki.apiserverEtcdClientKey,
    },
    versions: {
      ...Object.fromEntries(Object.values(tools).map((t) => [t.name, t.version])),
      ...o.realNodes?.versions,
    },
    ...(dns ? { dns } : {}),
    components,
    ...(plan ? { realNodes: plan } : {}),
  };
  await writeSpec(spec);

  progress.step(
    `starting ${counts.etcd} etcd, ${counts.apiServers} kube-apiserver, ${counts.controllerManagers} kube-controller-manager, ` +
      `${counts.schedulers} kube-scheduler, kwok${dns ? ', coredns' : ''} (logs in ${join(dir, 'logs')})`,
  );
  // The Kubernetes client takes a good part of a second to load: load it while the apiserver starts.
  const { kubeFromFile } = await import('../../src/kube/client.ts');

  const nodes = simulatedNodes(name, local);
  const realCount = plan?.nodes.length ?? 0;
  const deadlines = upDeadlines(nodes.length + realCount * 100);
  const kube = kubeFromFile(kubeconfig);
  await waitForApi(endpoint, dir, deadlines.apiMs, o.signal, o.supervisorExited);
  progress.step(
    `API healthy at ${endpoint}; creating ${nodes.length} nodes in zones ${local.zones.join(', ')}`,
  );
  // CoreDNS starts on /readyz too; its RBAC goes in first so its first list is (nearly always) allowed.
  await Promise.all([
    dns ? ensureCorednsRbac(kube) : undefined,
    createNodes(kube, nodes),
    dns && plan ? ensureKubeDnsService(kube, plan.bridgeIp, dns.server.port) : undefined,
  ]);
  const probeReplicas = Math.min(local.zones.length, nodes.length);
  await ensureProbeDeployment(kube, probeReplicas);
  await waitForNodesReady(kube, name, nodes.length + realCount, deadlines.nodesMs, o.signal);
  if (probeCanRollOut(local)) {
    progress.step(
      `${nodes.length} simulated and ${realCount} real nodes Ready; waiting for the probe Deployment`,
    );
    await waitForProbeAvailable(kube, probeReplicas, deadlines.probeMs, o.signal);
  } else {
    progress.step(
      `${nodes.length} nodes Ready; probe Deployment not awaited: a controller it needs is disabled on purpose`,
    );
  }
  spec.readyAt = new Date().toISOString();
  await writeSpec(spec);
  return spec;
}

/** False for a cluster broken on purpose (no scheduler, no controller manager, no Deployment/ReplicaSet controller). */
function probeCanRollOut(local: GauntletConfig['cluster']['local']): boolean {
  const manager = local.components['kube-controller-manager'];
  return (
    local.components['kube-scheduler'].enabled &&
    manager.enabled &&
    controllerEnabled(manager.extraArgs, 'deployment-controller') &&
    controllerEnabled(manager.extraArgs, 'replicaset-controller')
  );
}

/** Starts the supervisor in a new session, so it (and the cluster) survive this command's exit. */
async function startSupervisor(dir: string, uid: string): Promise<() => boolean> {
  const log = await open(join(dir, 'logs', 'supervisor.log'), 'a');
  const child = spawn(process.execPath, [gauntletCli, 'internal', 'supervise', `--dir=${dir}`], {
    detached: true,
    stdio: ['ignore', log.fd, log.fd],
    env: { ...process.env, [clusterMarkerVariable]: uid },
  });
  child.unref();
  await log.close();
  // libuv reaps it even unref'd, so 'exit' tells whether it died before the cluster came up.
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  return () => exited;
}
