import { createServer } from 'node:http';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { expect } from 'chai';
import { type AwsClients, awsClients } from '../../src/aws/clients.ts';
import { discoverCluster, formatClusterMap } from '../../src/aws/discovery.ts';
import { instanceIdOfProviderId, provisionerOf, roleOf } from '../../src/aws/provisioner-tags.ts';
import { type BuiltCluster, buildEksctlCluster, buildKopsCluster, zones } from '../helpers/aws-clusters.ts';
import { fakeAccessKey, fakeSecretKey, Moto } from '../helpers/moto.ts';

/** Discovery against moto: the tags each provisioner sets find the VPC, subnets by zone and instances by role. */
describe('aws discovery (against moto)', () => {
  let moto: Moto;
  let clients: AwsClients;
  let kops: BuiltCluster;
  let eks: BuiltCluster;

  before(async () => {
    moto = await Moto.start();
    clients = moto.clients();
    kops = await buildKopsCluster(clients, 'staging.k8s.example.com');
    eks = await buildEksctlCluster(clients, 'staging-eks');
  });

  after(async () => {
    await moto?.stop();
  });

  it('finds a kops HA cluster: VPC, one subnet per zone, 3 control-plane and 6 worker instances with their groups', async () => {
    const map = await discoverCluster(clients, kops.name);
    expect(map.vpcId).to.equal(kops.vpcId);
    expect(map.provisioner).to.equal('kops');
    expect(map.managedControlPlane).to.equal(false);
    expect(map.zones).to.deep.equal(
      Object.fromEntries(zones.map((z) => [z, { subnets: [kops.subnets[z]] }])),
    );
    const byRole = (role: string) =>
      map.instances
        .filter((i) => i.role === role)
        .map((i) => [i.id, i.zone, i.autoScalingGroup])
        .sort();
    const expected = (list: BuiltCluster['controlPlane']) => list.map((i) => [i.id, i.zone, i.group]).sort();
    expect(byRole('control-plane')).to.deep.equal(expected(kops.controlPlane));
    expect(byRole('worker')).to.deep.equal(expected(kops.workers));
    // The other cluster in the same account is not mixed in.
    expect(map.instances.map((i) => i.id)).to.not.include.members(eks.workers.map((w) => w.id));
    expect(formatClusterMap(map)).to.contain(`us-east-1a:\n  subnets: ${kops.subnets['us-east-1a']}`);
  });

  it('reads every page: the same map with pages of 5 (the smallest EC2 allows) as with the default size', async () => {
    const whole = await discoverCluster(clients, kops.name);
    const paged = await discoverCluster(clients, kops.name, undefined, undefined, { pageSize: 5 });
    // moto does split the answer: a page of 5 of the 9 instances comes with a NextToken.
    const first = await clients.ec2.send(
      new DescribeInstancesCommand({
        MaxResults: 5,
        Filters: [{ Name: 'tag:KubernetesCluster', Values: [kops.name] }],
      }),
    );
    expect(first.NextToken).to.be.a('string');
    expect(paged.instances).to.have.length(9);
    expect(paged).to.deep.equal(whole);
  });

  it('rides out throttling with the SDK retry strategy (a loopback proxy answers RequestLimitExceeded first)', async () => {
    let throttled = 0;
    let forwarded = 0;
    const proxy = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      if (throttled < 3) {
        throttled += 1;
        res.writeHead(503, { 'content-type': 'text/xml' });
        res.end(
          '<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>RequestLimitExceeded</Code>' +
            '<Message>Request limit exceeded.</Message></Error></Errors><RequestID>gauntlet</RequestID></Response>',
        );
        return;
      }
      forwarded += 1;
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(([k]) => !['host', 'content-length', 'connection'].includes(k)),
      ) as Record<string, string>;
      const answer = await fetch(`${moto.endpoint}${req.url}`, {
        method: req.method,
        headers,
        ...(req.method === 'GET' ? {} : { body: Buffer.concat(chunks) }),
      });
      res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'text/xml' });
      res.end(Buffer.from(await answer.arrayBuffer()));
    });
    await new Promise<void>((done) => proxy.listen(0, '127.0.0.1', done));
    try {
      const { port } = proxy.address() as { port: number };
      const throttledClients = awsClients('us-east-1', `http://127.0.0.1:${port}`, {
        accessKeyId: fakeAccessKey,
        secretAccessKey: fakeSecretKey,
      });
      const map = await discoverCluster(throttledClients, kops.name);
      expect(map.instances).to.have.length(9);
      expect(throttled).to.equal(3);
      expect(forwarded).to.be.above(0);
    } finally {
      await new Promise<void>((done) => proxy.close(() => done()));
    }
  });

  it('finds an eksctl cluster and knows its control plane is managed', async () => {
    const map = await discoverCluster(clients, eks.name);
    expect([map.provisioner, map.managedControlPlane, map.vpcId]).to.deep.equal(['eksctl', true, eks.vpcId]);
    expect(map.instances.filter((i) => i.role === 'control-plane')).to.deep.equal([]);
    expect(map.instances.map((i) => i.id).sort()).to.deep.equal(eks.workers.map((w) => w.id).sort());
    expect(Object.keys(map.zones)).to.deep.equal(zones);
  });

  it('refuses a cluster name nothing is tagged with, naming the field', async () => {
    const error = await discoverCluster(clients, 'nope').catch((e: Error) => e);
    expect((error as Error).message).to.match(
      /^aws\.clusterName: no instance or subnet in us-east-1 is tagged for cluster "nope"/,
    );
  });

  it('reads roles and provisioners from each convention, and instance ids from providerIDs', () => {
    expect(roleOf({ 'k8s.io/role/master': '1' })).to.equal('control-plane');
    expect(roleOf({ 'k8s.io/role/node': '1' })).to.equal('worker');
    expect(roleOf({ 'sigs.k8s.io/cluster-api-provider-aws/role': 'control-plane' })).to.equal(
      'control-plane',
    );
    expect(roleOf({ 'sigs.k8s.io/cluster-api-provider-aws/role': 'node' })).to.equal('worker');
    expect(roleOf({ 'kube-aws:role': 'controller' })).to.equal('control-plane');
    expect(roleOf({ 'eks:nodegroup-name': 'ng' })).to.equal('worker');
    expect(roleOf({ KubernetesCluster: 'x' })).to.equal(undefined);
    expect(provisionerOf({ 'sigs.k8s.io/cluster-api-provider-aws/cluster/x': 'owned' })).to.equal('capi');
    expect(provisionerOf({ 'kubernetes.io/cluster/x': 'owned' })).to.equal('kubeadm');
    expect(instanceIdOfProviderId('aws:///us-east-1a/i-0abc123')).to.equal('i-0abc123');
    expect(instanceIdOfProviderId('aws:///i-0abc123')).to.equal('i-0abc123');
    expect(instanceIdOfProviderId('kwok://node-1')).to.equal(undefined);
  });
});
