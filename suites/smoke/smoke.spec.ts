import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import { expect } from 'chai';
import { describeCluster, zoneLabel } from '../../src/kube/describe.ts';
import { watchUntil } from '../../src/kube/watch-until.ts';
import { runContext } from '../../src/model/run-context.ts';

/**
 * The smoke suite: the three things every later suite relies on. The API answers, nodes are Ready in
 * every zone, and a Deployment rolls out to Running pods spread over the zones.
 */
describe('[Smoke] cluster basics', () => {
  const ctx = () => runContext();
  const namespace = () => `gauntlet-smoke-${ctx().runId}`;

  after(async () => {
    await ctx()
      .kube.core.deleteNamespace({ name: namespace() })
      .catch(() => undefined);
  });

  it('the API server answers /version', async () => {
    const { kube, cluster } = ctx();
    const version = await kube.version.getCode();
    expect(version.gitVersion, '/version gitVersion').to.match(/^v1\.\d+\.\d+/);
    if (cluster.local) expect(version.gitVersion).to.equal(cluster.local.versions['kube-apiserver']);
  });

  it('every zone has Ready nodes', async () => {
    const { kube, cluster } = ctx();
    const description = await describeCluster(kube);
    const zones = Object.keys(description.zones).filter((z) => z !== '(none)');
    expect(zones, 'zones with nodes').to.not.be.empty;
    for (const zone of zones) {
      expect(description.zones[zone]!.ready, `Ready nodes in ${zone}`).to.be.greaterThan(0);
    }
    const local = cluster.local?.config;
    if (local) {
      expect(zones.sort()).to.deep.equal([...local.zones].sort());
      for (const zone of local.zones) {
        expect(description.zones[zone], `nodes in ${zone}`).to.deep.equal({
          total: local.nodesPerZone,
          ready: local.nodesPerZone,
        });
      }
    }
  });

  it('a Deployment rolls out to Running pods spread over the zones', async () => {
    const { kube, runId } = ctx();
    const ns = namespace();
    const replicas = 3;
    const labels = { app: 'smoke', 'gauntlet.dev/run': runId };
    await kube.core.createNamespace({
      body: { metadata: { name: ns, labels: { 'gauntlet.dev/run': runId } } },
    });
    const deployment: V1Deployment = {
      metadata: { name: 'smoke', namespace: ns, labels },
      spec: {
        replicas,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10' }],
            topologySpreadConstraints: [
              {
                maxSkew: 1,
                topologyKey: zoneLabel,
                whenUnsatisfiable: 'DoNotSchedule',
                labelSelector: { matchLabels: labels },
              },
            ],
          },
        },
      },
    };
    await kube.apps.createNamespacedDeployment({ namespace: ns, body: deployment });
    const fieldSelector = 'metadata.name=smoke';
    await watchUntil<V1Deployment, true>(kube, {
      list: () => kube.apps.listNamespacedDeployment({ namespace: ns, fieldSelector }),
      path: `/apis/apps/v1/namespaces/${ns}/deployments`,
      query: { fieldSelector },
      done: ([d]) =>
        (d?.status?.observedGeneration ?? 0) >= (d?.metadata?.generation ?? 1) &&
        d?.status?.availableReplicas === replicas &&
        d?.status?.updatedReplicas === replicas
          ? true
          : undefined,
      what: `Deployment ${ns}/smoke to roll out ${replicas} replicas`,
      progress: ([d]) => `${d?.status?.availableReplicas ?? 0} of ${replicas} available`,
      timeoutMs: 60_000,
    });
    const pods = (await kube.core.listNamespacedPod({ namespace: ns })).items as V1Pod[];
    expect(
      pods.map((p) => p.status?.phase),
      'pod phases',
    ).to.deep.equal(Array(replicas).fill('Running'));
    const nodes = await kube.core.listNode();
    const zoneOf = new Map(nodes.items.map((n) => [n.metadata?.name, n.metadata?.labels?.[zoneLabel]]));
    const podZones = new Set(pods.map((p) => zoneOf.get(p.spec?.nodeName)));
    const clusterZones = new Set([...zoneOf.values()].filter(Boolean));
    expect(podZones.size, `zones of the ${replicas} pods`).to.equal(Math.min(replicas, clusterZones.size));
  });
});
