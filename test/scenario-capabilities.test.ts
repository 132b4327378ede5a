import { expect } from 'chai';
import { faults } from '../faults/registry.ts';
import { capabilityNames } from '../src/model/scenario-file.ts';
import { type ClusterFacts, resolveCapability, unmetRequirements } from '../suites/scenarios/capabilities.ts';

const embedded: ClusterFacts = { embedded: { ha: false, realNodes: 0 } };
const ha: ClusterFacts = { embedded: { ha: true, realNodes: 2 } };
const kops: ClusterFacts = { aws: { provisioner: 'kops' } };
const eks: ClusterFacts = { aws: { provisioner: 'eksctl' } };
const peer: ClusterFacts = {};

describe('capabilities resolved per cluster', () => {
  it('every mechanism that names a fault names one of the registry', () => {
    for (const facts of [embedded, ha, kops, eks, peer])
      for (const c of capabilityNames) {
        const r = resolveCapability(c, facts);
        if (r.ok) for (const f of r.faults) expect(faults, `${c}`).to.have.property(f);
        if (!r.ok) expect(r.reason.startsWith(`${c}: `), r.reason).to.equal(true);
      }
  });

  it('zone loss: kwok freeze embedded, a network ACL with an aws section, else the reason', () => {
    expect(resolveCapability('zone-loss', embedded)).to.deep.include({ ok: true, faults: ['zone-loss'] });
    expect(resolveCapability('zone-loss', kops)).to.deep.include({
      ok: true,
      faults: ['aws-az-outage-nacl'],
    });
    // Embedded nodes standing in for the aws section's instances: cut off in EC2 first, frozen second.
    expect(resolveCapability('zone-loss', { ...embedded, ...kops })).to.deep.include({
      ok: true,
      faults: ['aws-az-outage-nacl', 'zone-loss'],
    });
    expect(resolveCapability('zone-loss', peer)).to.deep.equal({
      capability: 'zone-loss',
      ok: false,
      reason:
        'zone-loss: this cluster has no aws section and is not embedded; add `aws:` to the config or use the embedded cluster',
    });
  });

  it('control-plane kill: the supervisor, instance termination on kops, refused on EKS with the reason', () => {
    expect(resolveCapability('control-plane-kill', embedded)).to.deep.include({
      faults: ['control-plane-kill'],
    });
    expect(resolveCapability('control-plane-kill', kops)).to.deep.include({
      faults: ['aws-instance-terminate'],
    });
    const onEks = resolveCapability('control-plane-kill', eks);
    expect(onEks.ok).to.equal(false);
    expect(!onEks.ok && onEks.reason).to.match(/managed control plane \(EKS\)/);
  });

  it('etcd pressure only where the harness reaches etcd; ha and real nodes from the embedded config', () => {
    expect(resolveCapability('etcd-pressure', embedded).ok).to.equal(true);
    expect(resolveCapability('etcd-pressure', kops).ok).to.equal(false);
    // A quota the fill cannot reach within a scenario: skipped, saying which setting to lower.
    const big = resolveCapability('etcd-pressure', {
      embedded: { ha: false, realNodes: 0, etcdQuotaBackendBytes: 1024 * 1024 * 1024 },
    });
    expect(big).to.deep.equal({
      capability: 'etcd-pressure',
      ok: false,
      reason:
        "etcd-pressure: the embedded etcd's quota is 1024 MiB, too large to fill within a scenario; set cluster.local.etcdQuotaBackendBytes <= 512 MiB",
    });
    expect(
      resolveCapability('etcd-pressure', {
        embedded: { ha: false, realNodes: 0, etcdQuotaBackendBytes: 512 * 1024 * 1024 },
      }).ok,
    ).to.equal(true);
    expect(
      unmetRequirements({ requires: ['ha-control-plane', 'real-nodes'], excludes: [] }, embedded),
    ).to.deep.equal([
      'ha-control-plane: the embedded cluster has one apiserver; run with --ha',
      'real-nodes: the embedded cluster has simulated nodes only; add --real-nodes N',
    ]);
    expect(
      unmetRequirements(
        { requires: ['ha-control-plane', 'real-nodes', 'service-traffic'], excludes: [] },
        ha,
      ),
    ).to.deep.equal([]);
  });

  it('component logs only on the embedded cluster, else the reason', () => {
    expect(resolveCapability('component-logs', embedded).ok).to.equal(true);
    for (const facts of [kops, peer])
      expect(resolveCapability('component-logs', facts)).to.deep.equal({
        capability: 'component-logs',
        ok: false,
        reason:
          "component-logs: the harness reads the control plane's logs on the embedded cluster only; use the embedded cluster",
      });
  });

  it('aws: only with the aws section, else the reason naming it', () => {
    expect(resolveCapability('aws', kops).ok).to.equal(true);
    for (const facts of [embedded, peer])
      expect(resolveCapability('aws', facts)).to.deep.equal({
        capability: 'aws',
        ok: false,
        reason: 'aws: this cluster has no aws section; add `aws:` to the config (and allow the cluster)',
      });
  });

  it('excludes: a single-apiserver scenario is skipped on --ha, saying why', () => {
    expect(
      unmetRequirements({ requires: ['control-plane-kill'], excludes: ['ha-control-plane'] }, embedded),
    ).to.deep.equal([]);
    const [reason] = unmetRequirements(
      { requires: ['control-plane-kill'], excludes: ['ha-control-plane'] },
      ha,
    );
    expect(reason).to.match(/^ha-control-plane: this cluster has it \(3 etcd, 3 apiservers/);
  });
});
