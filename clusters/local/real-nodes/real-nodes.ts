import { join } from 'node:path';
import type { GauntletConfig } from '../../../src/config/schema.ts';
import { InfrastructureError } from '../../../src/errors.ts';
import type { Progress } from '../../../src/log.ts';
import type { ComponentSpec } from '../../../src/model/local-cluster-spec.ts';
import { REAL_NODE_TOOLS, type ResolvedTool, resolveTools } from '../../../src/tools/index.ts';
import type { Pki } from '../pki.ts';
import { type RealNodeBinaries, writeRealNode } from './node-files.ts';
import { createBridge, freeNodeSubnet, realNodesUnavailable } from './node-host.ts';
import { buildNodeImages } from './node-images.ts';
import { planRealNodes, type RealNodesSpec } from './node-plan.ts';

/**
 * Real nodes of the embedded cluster, in two steps around the certificates: `prepare` checks the host,
 * resolves the binaries and picks the addresses (the apiserver's certificate names the bridge's address);
 * `provision` creates the bridge, builds the images and writes every node, returning their components for the
 * supervisor (each node is one supervised process: fixtures/real-node/launch.sh).
 */
export interface PreparedRealNodes {
  plan: RealNodesSpec;
  binaries: RealNodeBinaries;
  /** vegeta, for the toolbox image (in-cluster service load). */
  vegeta: string;
  versions: Record<string, string>;
}

export async function prepareRealNodes(
  config: GauntletConfig,
  dir: string,
  uid: string,
  progress: Progress,
  signal?: AbortSignal,
): Promise<PreparedRealNodes> {
  const why = await realNodesUnavailable();
  if (why) {
    throw new InfrastructureError(
      `cluster.local.realNodes is ${config.cluster.local.realNodes} but this host cannot run real nodes: ${why}`,
    );
  }
  const tools = (await resolveTools([...REAL_NODE_TOOLS, 'vegeta'], {
    explicitPaths: config.tools.paths,
    mirror: config.tools.mirror,
    allowDownload: config.tools.download,
    allowBuild: config.tools.build,
    progress,
    signal,
  })) as Record<(typeof REAL_NODE_TOOLS)[number] | 'vegeta', ResolvedTool>;
  const { vegeta, ...nodeTools } = tools;
  const binaries = Object.fromEntries(
    Object.values(nodeTools).map((t) => [t.name, t.path]),
  ) as RealNodeBinaries;
  const versions = Object.fromEntries(Object.values(nodeTools).map((t) => [t.name, t.version]));
  const plan = planRealNodes(dir, uid, config.cluster.local, await freeNodeSubnet());
  return { plan, binaries, vegeta: vegeta.path, versions };
}

export async function provisionRealNodes(
  prepared: PreparedRealNodes,
  o: { config: GauntletConfig; dir: string; uid: string; pki: Pki; apiServerPort: number },
): Promise<ComponentSpec[]> {
  const { plan } = prepared;
  await createBridge(o.uid, plan.bridgeIp);
  const images = await buildNodeImages(join(o.dir, 'images'), prepared.vegeta);
  const inputs = {
    clusterName: o.config.cluster.name,
    uid: o.uid,
    config: o.config.cluster.local,
    plan,
    pki: o.pki,
    binaries: prepared.binaries,
    server: `https://${plan.bridgeIp}:${o.apiServerPort}`,
    images,
    logDir: join(o.dir, 'logs'),
  };
  return Promise.all(plan.nodes.map((node, index) => writeRealNode(inputs, node, index)));
}
