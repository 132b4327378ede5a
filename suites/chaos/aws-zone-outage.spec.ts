import { DescribeNetworkAclsCommand } from '@aws-sdk/client-ec2';
import type { V1Node } from '@kubernetes/client-node';
import { expect } from 'chai';
import { injectionTag } from '../../faults/aws/az-outage-nacl.ts';
import { awsContext } from '../../src/aws/clients.ts';
import { type ClusterMap, discoverCluster } from '../../src/aws/discovery.ts';
import { nodeReadyStatus } from '../../src/kube/describe.ts';
import { watchUntil } from '../../src/kube/watch-until.ts';
import { runContext } from '../../src/model/run-context.ts';
import { skipBecause } from '../skip.ts';
import { Scenario } from './scenario.ts';

/**
 * An AWS availability-zone outage seen from both sides, on one timeline: the zone's cluster subnets get a
 * deny-all network ACL in EC2 and, on the embedded cluster (whose kwok nodes stand in for the instances,
 * matched by spec.providerID), the zone's kubelets are frozen as the NACL would cut them off. On a real
 * cluster the NACL alone does it. The verdict: exactly the nodes backed by the zone's instances go Unknown,
 * and after revert every subnet is back on its ACL and every node Ready.
 */
describe('[Chaos][Zone][AWS] AZ outage: network ACL in EC2 and the zone lost on the cluster, one timeline', () => {
  let scenario: Scenario;
  let map: ClusterMap;
  let zone: string;
  let lostNodes: string[];
  let original: Record<string, string>;

  before(async function () {
    const run = runContext();
    if (!run.config.aws)
      skipBecause(this, "needs the config's aws section (and an allowed, opted-in cluster)");
    map = await discoverCluster(awsContext(run.config.aws!).clients, run.config.aws!.clusterName, run.kube);
    // The first zone whose instances back Nodes: the outage must be visible from both sides.
    zone = Object.keys(map.zones).find((z) => map.instances.some((i) => i.zone === z && i.node))!;
    if (!zone) throw new Error(`no instance of cluster ${map.cluster} backs a Node (spec.providerID)`);
    lostNodes = map.instances
      .filter((i) => i.zone === zone && i.node)
      .map((i) => i.node!)
      .sort();
    original = await aclBySubnet();
    scenario = await Scenario.open('aws-zone-outage');
  });

  after(async () => {
    if (scenario) await scenario.finish();
  });

  async function aclBySubnet(): Promise<Record<string, string>> {
    const { ec2 } = awsContext(runContext().config.aws!).clients;
    const out = await ec2.send(
      new DescribeNetworkAclsCommand({ Filters: [{ Name: 'vpc-id', Values: [map.vpcId] }] }),
    );
    const bySubnet: Record<string, string> = {};
    for (const acl of out.NetworkAcls ?? [])
      for (const a of acl.Associations ?? []) bySubnet[a.SubnetId!] = acl.NetworkAclId!;
    return bySubnet;
  }

  it("the zone's subnets are cut off, and exactly the Nodes backed by its instances go Unknown", async () => {
    const run = runContext();
    const { kube } = run;
    await scenario.inject('aws-az-outage-nacl', { kind: 'zone', name: zone });
    const injectedAt = Date.now();
    const cut = await aclBySubnet();
    for (const subnet of map.zones[zone]!.subnets) expect(cut[subnet], subnet).to.not.equal(original[subnet]);
    scenario.timeline.mark(`subnets of ${zone} (${map.zones[zone]!.subnets.join(', ')}) on a deny-all NACL`);
    // What the NACL does to real kubelets, played on the embedded cluster.
    if (run.cluster.local) await scenario.inject('zone-loss', { kind: 'zone', name: zone });
    const t = run.cluster.local?.config.timings;
    const boundMs = t ? (t.nodeMonitorGracePeriodSeconds + t.nodeMonitorPeriodSeconds + 5) * 1000 : 120_000;
    await watchUntil<V1Node, true>(kube, {
      list: () => kube.core.listNode(),
      path: '/api/v1/nodes',
      done: (nodes) =>
        lostNodes.every(
          (name) => nodeReadyStatus(nodes.find((n) => n.metadata?.name === name) ?? {}) === 'Unknown',
        ) || undefined,
      what: `nodes ${lostNodes.join(', ')} (backed by instances in ${zone}) Unknown`,
      timeoutMs: boundMs,
    });
    scenario.timeline.mark(
      `${lostNodes.length} nodes of ${zone} Unknown after ${Date.now() - injectedAt} ms (bound ${boundMs} ms)`,
    );
    const survivors = map.instances.filter((i) => i.zone !== zone && i.node).map((i) => i.node!);
    const nodes = (await kube.core.listNode()).items;
    const status = (name: string) => nodeReadyStatus(nodes.find((n) => n.metadata?.name === name) ?? {});
    expect(survivors.map(status), 'nodes backed by instances of the other zones').to.deep.equal(
      survivors.map(() => 'True'),
    );
  });

  it('after revert every subnet is back on its ACL, the deny-all ACL is gone, and every node is Ready', async () => {
    const { kube } = runContext();
    const revertedAt = Date.now();
    await scenario.finish();
    expect(await aclBySubnet()).to.deep.equal(original);
    const { ec2 } = awsContext(runContext().config.aws!).clients;
    const ours = await ec2.send(
      new DescribeNetworkAclsCommand({ Filters: [{ Name: 'tag-key', Values: [injectionTag] }] }),
    );
    expect(ours.NetworkAcls ?? []).to.deep.equal([]);
    await watchUntil<V1Node, true>(kube, {
      list: () => kube.core.listNode(),
      path: '/api/v1/nodes',
      done: (nodes) => nodes.every((n) => nodeReadyStatus(n) === 'True') || undefined,
      what: 'every node Ready again',
      timeoutMs: 60_000,
    });
    scenario.timeline.mark(`every node Ready ${Date.now() - revertedAt} ms after the revert began`);
  });
});
