import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { kubeFromFile } from '../src/kube/client.ts';
import type { ProvisionedCluster } from '../src/model/cluster.ts';
import { repoRoot as root } from '../src/repo-root.ts';

/** What ran: the cluster's components and the harness's tools, so a run can be compared with another. */
export interface RunVersions {
  cluster: Record<string, string>;
  tools: Record<string, string>;
}

async function packageVersion(dir: string): Promise<string | undefined> {
  const text = await readFile(join(dir, 'package.json'), 'utf8').catch(() => undefined);
  return text ? (JSON.parse(text) as { version?: string }).version : undefined;
}

/** The API server's own /version (any cluster), the embedded cluster's pinned binaries, and the harness's tools. */
export async function runVersions(cluster?: ProvisionedCluster): Promise<RunVersions> {
  const clusterVersions: Record<string, string> = { ...cluster?.local?.versions };
  if (cluster) {
    const kube = kubeFromFile(cluster.kubeconfig, cluster.context);
    const timeout = new Promise<undefined>((r) => setTimeout(() => r(undefined), 5_000).unref());
    const server = await Promise.race([kube.version.getCode().catch(() => undefined), timeout]);
    if (server?.gitVersion) clusterVersions['kube-apiserver (/version)'] = server.gitVersion;
  }
  const tools: Record<string, string> = { node: process.version };
  for (const [name, dir] of [
    ['gauntlet', root],
    ['mocha', join(root, 'node_modules', 'mocha')],
    ['allure-mocha', join(root, 'node_modules', 'allure-mocha')],
    ['allure', join(root, 'node_modules', 'allure')],
  ] as const) {
    const version = await packageVersion(dir);
    if (version) tools[name] = version;
  }
  return { cluster: clusterVersions, tools };
}
