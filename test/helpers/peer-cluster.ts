import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Node } from '@kubernetes/client-node';
import { execa } from 'execa';
import { kubeFromFile } from '../../src/kube/client.ts';
import { isNodeReady, isNodeSchedulable } from '../../src/kube/describe.ts';
import { watchUntil } from '../../src/kube/watch-until.ts';
import { resolveTools } from '../../src/tools/index.ts';

/** A cluster the harness did not make: kwokctl's, from the same cached binaries, reached through a kubeconfig. */
export interface PeerCluster {
  kubeconfig: string;
  delete(): Promise<void>;
}

/** `kwokctl create cluster --runtime binary` with `nodes` kwok nodes Ready and schedulable (their not-ready taint gone); delete() removes all of it. */
export async function createPeerCluster(name: string, nodes: number): Promise<PeerCluster> {
  const tools = await resolveTools([
    'etcd',
    'kube-apiserver',
    'kube-controller-manager',
    'kube-scheduler',
    'kwok',
    'kwokctl',
  ]);
  const workdir = await mkdtemp(join(tmpdir(), 'gauntlet-peer-'));
  const kubeconfig = join(workdir, 'kubeconfig');
  const env = { ...process.env, KWOK_WORKDIR: workdir };
  const kwokctl = (args: string[]) => execa(tools.kwokctl.path, args, { env, stdin: 'ignore' });
  const remove = async () => {
    await execa(tools.kwokctl.path, ['delete', 'cluster', '--name', name], { env, reject: false });
    await rm(workdir, { recursive: true, force: true });
  };
  try {
    await kwokctl([
      'create',
      'cluster',
      '--name',
      name,
      '--runtime',
      'binary',
      '--kubeconfig',
      kubeconfig,
      '--wait',
      '120s',
      '--kube-apiserver-binary',
      tools['kube-apiserver'].path,
      '--kube-controller-manager-binary',
      tools['kube-controller-manager'].path,
      '--kube-scheduler-binary',
      tools['kube-scheduler'].path,
      '--etcd-binary',
      tools.etcd.path,
      '--kwok-controller-binary',
      tools.kwok.path,
    ]);
    await kwokctl(['scale', 'node', '--name', name, '--replicas', String(nodes)]);
    const kube = kubeFromFile(kubeconfig);
    await watchUntil<V1Node, true>(kube, {
      list: () => kube.core.listNode(),
      path: '/api/v1/nodes',
      done: (all) => all.filter(isNodeSchedulable).length >= nodes || undefined,
      what: `${nodes} kwokctl nodes Ready and untainted`,
      progress: (all) =>
        all
          .map(
            (n) =>
              `${n.metadata?.name} ${isNodeReady(n) ? 'Ready' : 'not Ready'} taints [${(n.spec?.taints ?? []).map((t) => `${t.key}:${t.effect}`).join(' ')}]`,
          )
          .join(', ') || 'no node',
      timeoutMs: 120_000,
    });
  } catch (error) {
    await remove();
    throw error;
  }
  return { kubeconfig, delete: remove };
}
