import type { AwsConfig, LocalClusterConfig } from '../../src/config/schema.ts';
import type { Capability } from '../../src/model/scenario-file.ts';

/** What decides which mechanisms a cluster offers: whether the harness made it, and its aws section. */
export interface ClusterFacts {
  /** The embedded cluster's configuration (absent for a cluster reached through --kubeconfig). */
  embedded?: Pick<LocalClusterConfig, 'ha' | 'realNodes'> &
    Partial<Pick<LocalClusterConfig, 'etcdQuotaBackendBytes'>>;
  aws?: Pick<AwsConfig, 'provisioner'>;
}

/**
 * A capability as this cluster offers it: the mechanism and the faults behind it, injected in this order and
 * reverted in the reverse (none: a property of the cluster, not something to inject), or why it has none.
 */
export type Resolution =
  | { capability: Capability; ok: true; mechanism: string; faults: string[] }
  | { capability: Capability; ok: false; reason: string };

const offered = (capability: Capability, mechanism: string, ...faults: string[]): Resolution => ({
  capability,
  ok: true,
  mechanism,
  faults,
});
const refused = (capability: Capability, why: string): Resolution => ({
  capability,
  ok: false,
  reason: `${capability}: ${why}`,
});
/** The largest etcd quota a scenario fills: beyond it the fill alone outlasts a scenario's budget (90 s). */
const maxFilledQuotaBytes = 512 * 1024 * 1024;
const notEmbeddedNoAws = 'this cluster has no aws section and is not embedded';

/** Each capability mapped to this cluster's mechanism, or to a one-line reason naming what would provide it. */
export function resolveCapability(c: Capability, facts: ClusterFacts): Resolution {
  const { embedded, aws } = facts;
  switch (c) {
    case 'zone-loss':
      // The embedded cluster's nodes stand in for the aws section's instances (spec.providerID): the zone is cut
      // off in EC2 and its kubelets frozen as the deny-all ACL would cut them off, one outage seen from both sides.
      if (embedded && aws)
        return offered(
          c,
          "the zone's subnets cut off by a deny-all network ACL, and its simulated kubelets frozen (kwok SIGSTOP)",
          'aws-az-outage-nacl',
          'zone-loss',
        );
      if (embedded) return offered(c, "the zone's simulated kubelets frozen (kwok SIGSTOP)", 'zone-loss');
      if (aws)
        return offered(c, "the zone's subnets cut off by a deny-all network ACL", 'aws-az-outage-nacl');
      return refused(c, `${notEmbeddedNoAws}; add \`aws:\` to the config or use the embedded cluster`);
    case 'node-loss':
      if (aws) return offered(c, "the node's EC2 instance stopped", 'aws-instance-stop');
      if (embedded)
        return refused(
          c,
          'the embedded cluster has no single-node stop yet (zone-loss stops a whole zone); add `aws:` to the config',
        );
      return refused(c, `${notEmbeddedNoAws}; add \`aws:\` to the config`);
    case 'runtime-hang':
      if (embedded)
        return offered(
          c,
          embedded.realNodes > 0
            ? "containerd SIGSTOPped on a real node (kwok's runtime-down stages on a simulated one)"
            : "kwok's runtime-down stages on a simulated node",
          'runtime-hang',
        );
      if (aws)
        return offered(c, 'containerd SIGSTOPped by a privileged pod on the node', 'node-runtime-hang');
      return refused(
        c,
        `${notEmbeddedNoAws}; add \`aws:\` to the config (the privileged-pod fault) or use the embedded cluster`,
      );
    case 'control-plane-kill':
      if (embedded)
        return offered(c, 'the member SIGKILLed and held down by the supervisor', 'control-plane-kill');
      if (aws?.provisioner === 'eksctl')
        return refused(
          c,
          'this cluster has a managed control plane (EKS): AWS runs it outside the account, there is nothing to kill',
        );
      if (aws) return offered(c, 'a control-plane EC2 instance terminated', 'aws-instance-terminate');
      return refused(
        c,
        `${notEmbeddedNoAws}; add \`aws:\` to the config (kops, kubeadm, Cluster API) or use the embedded cluster`,
      );
    case 'etcd-pressure': {
      const quota = embedded?.etcdQuotaBackendBytes ?? 0;
      if (embedded && quota > maxFilledQuotaBytes)
        return refused(
          c,
          `the embedded etcd's quota is ${quota >> 20} MiB, too large to fill within a scenario; set cluster.local.etcdQuotaBackendBytes <= ${maxFilledQuotaBytes >> 20} MiB`,
        );
      if (embedded) return offered(c, 'the embedded etcd filled toward its quota', 'etcd-pressure');
      return refused(
        c,
        "the harness cannot reach this cluster's etcd (it did not make the cluster); use the embedded cluster",
      );
    }
    case 'ha-control-plane':
      if (embedded?.ha) return offered(c, '3 etcd, 3 apiservers, 2 controller managers, 2 schedulers');
      if (embedded) return refused(c, 'the embedded cluster has one apiserver; run with --ha');
      return refused(
        c,
        'the harness did not make this cluster and cannot tell its control-plane members; use the embedded cluster with --ha',
      );
    case 'real-nodes':
      if (embedded && embedded.realNodes > 0)
        return offered(c, `${embedded.realNodes} real kubelet + containerd node(s)`);
      if (embedded) return refused(c, 'the embedded cluster has simulated nodes only; add --real-nodes N');
      if (aws) return offered(c, 'EC2 instances');
      return refused(
        c,
        `${notEmbeddedNoAws}: the harness cannot tell whether its nodes are real; add \`aws:\` to the config`,
      );
    case 'component-logs':
      if (embedded) return offered(c, "the control plane's logs in the cluster's directory");
      return refused(
        c,
        "the harness reads the control plane's logs on the embedded cluster only; use the embedded cluster",
      );
    case 'aws':
      if (aws)
        return offered(c, "the cluster's instances, subnets and network ACLs in EC2 (the aws section)");
      return refused(c, 'this cluster has no aws section; add `aws:` to the config (and allow the cluster)');
    case 'service-traffic':
      if (embedded && embedded.realNodes > 0) return offered(c, 'pods on the real nodes serve');
      if (embedded) return refused(c, 'pods on the simulated nodes run no containers; add --real-nodes N');
      return offered(c, "the cluster's own pods serve");
  }
}

/** Why a scenario cannot run on this cluster (one line each), or nothing when it can. */
export function unmetRequirements(
  s: { requires: readonly Capability[]; excludes: readonly Capability[] },
  facts: ClusterFacts,
): string[] {
  const reasons: string[] = [];
  for (const c of s.requires) {
    const r = resolveCapability(c, facts);
    if (!r.ok) reasons.push(r.reason);
  }
  for (const c of s.excludes) {
    const r = resolveCapability(c, facts);
    if (r.ok)
      reasons.push(`${c}: this cluster has it (${r.mechanism}) and the scenario needs a cluster without it`);
  }
  return reasons;
}
