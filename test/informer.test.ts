import { readFile, writeFile } from 'node:fs/promises';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig, type V1ConfigMap, Watch } from '@kubernetes/client-node';
import { expect } from 'chai';
import { Etcdctl } from '../src/etcd/etcdctl.ts';
import { type Kube, kubeFromFile } from '../src/kube/client.ts';
import { ResilientInformer } from '../src/kube/informer.ts';
import type { LocalClusterSpec } from '../src/model/local-cluster-spec.ts';
import { resolveTool } from '../src/tools/index.ts';
import { gauntlet, isolatedStateDir } from './helpers/cli.ts';

/** A TCP relay to the API endpoint that the test can cut (live connections dropped, new ones refused). */
async function startRelay(endpoint: URL) {
  const sockets = new Set<Socket>();
  let refusing = false;
  const server = createServer((client) => {
    if (refusing) return void client.destroy();
    const upstream = connect({ host: endpoint.hostname, port: Number(endpoint.port) });
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', drop).on('close', drop);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    cut() {
      refusing = true;
      for (const s of sockets) s.destroy();
    },
    restore() {
      refusing = false;
    },
    close() {
      this.cut(); // keep-alive connections would hold server.close() open
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The admin kubeconfig with its server swapped for the relay (same certificates: the SAN is 127.0.0.1). */
function kubeThrough(kubeconfig: string, server: string): Kube {
  const original = new KubeConfig();
  original.loadFromFile(kubeconfig);
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: original.clusters.map((c) => ({ ...c, server })),
    users: original.users,
    contexts: original.contexts,
    currentContext: original.currentContext,
  });
  return {
    ...kubeFromFile(kubeconfig),
    config,
    core: config.makeApiClient(CoreV1Api),
    watch: new Watch(config),
  };
}

/** Resolves when the informer's cache satisfies `ok`, judged on each of its events; fails naming `what`. */
function until<T extends V1ConfigMap>(
  informer: ResilientInformer<T>,
  ok: (names: string[]) => boolean,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const names = () =>
    informer
      .list()
      .map((o) => o.metadata!.name!)
      .sort();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(new Error(`informer: ${what} not seen within ${timeoutMs} ms (cache: ${names().join(', ')})`)),
      timeoutMs,
    );
    const check = () => {
      if (!ok(names())) return;
      clearTimeout(timer);
      resolve();
    };
    informer.on('change', check);
    check();
  });
}

/**
 * The one watch wrapper everything uses, against a real apiserver: a watch cut by the network resumes from its
 * last resourceVersion without relisting, and one whose resourceVersion etcd has compacted away (410 Gone)
 * relists and delivers what changed meanwhile, deletions included. The apiserver serves ConfigMap watches
 * straight from etcd here (no watch cache), so a compaction reaches the watch as it would after a long outage.
 */
describe('ResilientInformer: resume after a cut connection, relist after 410 Gone (real apiserver and etcd)', function () {
  this.timeout(180_000);
  const name = 'informer';
  const namespace = 'informer-test';
  let env: Record<string, string>;
  let spec: LocalClusterSpec;
  let direct: Kube;
  let relay: Awaited<ReturnType<typeof startRelay>>;
  let informer: ResilientInformer<V1ConfigMap>;
  let lists = 0;
  const errors: unknown[] = [];
  const deleted: string[] = [];

  before(async () => {
    const state = await isolatedStateDir();
    env = { GAUNTLET_STATE_DIR: state };
    const config = join(state, 'config.yaml');
    await writeFile(
      config,
      'apiVersion: gauntlet.dev/v1alpha1\nkind: GauntletConfig\ncluster:\n  local:\n    components:\n' +
        '      kube-apiserver:\n        extraArgs: ["--watch-cache-sizes=configmaps#0"]\n',
    );
    const up = await gauntlet(['cluster', 'up', '--name', name, '--nodes-per-zone', '1', '-c', config], env);
    expect(up.exitCode, up.stderr).to.equal(0);
    spec = JSON.parse(
      await readFile(join(state, 'clusters', name, 'cluster.json'), 'utf8'),
    ) as LocalClusterSpec;
    direct = kubeFromFile(spec.kubeconfig);
    await direct.core.createNamespace({ body: { metadata: { name: namespace } } });
    relay = await startRelay(new URL(spec.endpoint));
    const through = kubeThrough(spec.kubeconfig, relay.url);
    informer = new ResilientInformer<V1ConfigMap>(through, {
      path: `/api/v1/namespaces/${namespace}/configmaps`,
      list: () => {
        lists += 1;
        return through.core.listNamespacedConfigMap({ namespace });
      },
    })
      .onError((error) => errors.push(error))
      .on('delete', (cm) => deleted.push(cm.metadata!.name!));
    await informer.start();
  });

  after(async () => {
    informer?.stop();
    await relay?.close();
    if (spec) await gauntlet(['cluster', 'down', '--name', name], env);
  });

  const create = (cm: string) =>
    direct.core.createNamespacedConfigMap({ namespace, body: { metadata: { name: cm } } });

  /** Cuts the relay and resolves once the informer has reported the failure it caused. */
  async function cutAndSeeError(): Promise<void> {
    const before = errors.length;
    relay.cut();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no watch error within 10 s of the cut')), 10_000);
      informer.onError(() => {
        if (errors.length <= before) return;
        clearTimeout(timer);
        resolve();
      });
    });
  }

  it('a watch cut by the network restarts and resumes from its resourceVersion: no relist, nothing missed', async () => {
    await create('a');
    await until(informer, (n) => n.includes('a'), 'ConfigMap a');
    await cutAndSeeError();
    await create('b'); // while the informer is cut off
    relay.restore();
    await until(informer, (n) => n.includes('b'), 'ConfigMap b, created while the connection was cut');
    expect(lists, 'lists: the first one only').to.equal(1);
  });

  it('a resourceVersion compacted away meanwhile (410 Gone) makes it relist: additions and deletions delivered', async () => {
    await cutAndSeeError();
    await create('c');
    await direct.core.deleteNamespacedConfigMap({ name: 'a', namespace });
    const etcd = new Etcdctl((await resolveTool('etcdctl')).path, {
      endpoints: spec.etcdMembers.map((m) => m.clientUrl),
      ...spec.etcdClient,
    });
    const [status] = await etcd.status();
    await etcd.compact(status!.revision);
    relay.restore();
    await until(
      informer,
      (n) => n.includes('c') && !n.includes('a'),
      'ConfigMap c present and a gone after the compaction',
    );
    expect(lists, 'lists: the first one and the relist after 410').to.equal(2);
    expect(deleted, 'delete events').to.include('a');
  });
});
