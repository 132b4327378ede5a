import { CoordinationV1Api, type V1Node, type V1Pod } from '@kubernetes/client-node';
import type { Kube } from '../../src/kube/client.ts';
import { ResilientInformer } from '../../src/kube/informer.ts';
import { isPodReady } from '../support/pod-state.ts';
import { readModifyWrite } from '../support/read-modify-write.ts';

/**
 * A node whose heartbeat this process owns, for checks that must lose a node on purpose. kwok v0.8 cannot be
 * told to let go of one node (its informer filters out the update that removes the managing annotation, so it
 * keeps renewing the Lease), so the check plays kubelet for its own node instead: it posts Ready, renews the
 * node Lease every leaseDuration/4 (as the kubelet does), and takes the node's pods to Running/Ready.
 * lose() stops all of it at once, which is what a node that dies looks like to the control plane.
 */
export class SimulatedKubelet {
  private heartbeat: NodeJS.Timeout | undefined;
  private pods: ResilientInformer<V1Pod> | undefined;
  private readonly leases: CoordinationV1Api;
  private alive = false;

  constructor(
    private readonly kube: Kube,
    private readonly node: V1Node,
    private readonly leaseDurationSeconds: number,
  ) {
    this.leases = kube.config.makeApiClient(CoordinationV1Api);
  }

  get name(): string {
    return this.node.metadata!.name!;
  }

  async start(): Promise<void> {
    this.alive = true;
    const created = await this.kube.core.createNode({ body: this.node });
    const now = new Date();
    const status: V1Node['status'] = {
      capacity: { cpu: '32', memory: '128Gi', pods: '110' },
      allocatable: { cpu: '32', memory: '128Gi', pods: '110' },
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'KubeletReady',
          message: 'simulated by gauntlet',
          lastHeartbeatTime: now,
          lastTransitionTime: now,
        },
      ],
      addresses: [{ type: 'InternalIP', address: '10.201.0.1' }],
      nodeInfo: {
        architecture: 'amd64',
        operatingSystem: 'linux',
        kubeletVersion: 'gauntlet-simulated',
        kubeProxyVersion: '',
        containerRuntimeVersion: 'gauntlet-simulated',
        kernelVersion: '',
        osImage: 'gauntlet',
        machineID: '',
        systemUUID: '',
        bootID: '',
      },
    };
    // Controllers (ttl, node lifecycle) write the new node at once: re-read on conflict.
    await readModifyWrite(
      () => this.kube.core.readNode({ name: this.name }),
      (body) => this.kube.core.replaceNodeStatus({ name: this.name, body }),
      (n) => {
        n.status = status;
      },
    );
    await this.leases.createNamespacedLease({
      namespace: 'kube-node-lease',
      body: {
        metadata: {
          name: this.name,
          namespace: 'kube-node-lease',
          ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: this.name, uid: created.metadata!.uid! }],
        },
        spec: {
          holderIdentity: this.name,
          leaseDurationSeconds: this.leaseDurationSeconds,
          renewTime: microTime(now),
        },
      },
    });
    // The kubelet's renew interval: a quarter of the lease duration.
    const renewIntervalMs = (this.leaseDurationSeconds * 1000) / 4;
    this.heartbeat = setInterval(() => void this.renew(), renewIntervalMs);
    this.heartbeat.unref();
    this.pods = new ResilientInformer<V1Pod>(this.kube, {
      path: '/api/v1/pods',
      list: () => this.kube.core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${this.name}` }),
      fieldSelector: `spec.nodeName=${this.name}`,
    });
    this.pods.on('change', (pod) => void this.runPod(pod));
    await this.pods.start();
  }

  /** The node dies: no more Lease renewals, no more pod updates. */
  lose(): void {
    this.alive = false;
    clearInterval(this.heartbeat);
    this.pods?.stop();
  }

  private async renew(): Promise<void> {
    if (!this.alive) return;
    const lease = await this.leases
      .readNamespacedLease({ name: this.name, namespace: 'kube-node-lease' })
      .catch(() => undefined);
    if (!lease || !this.alive) return;
    lease.spec!.renewTime = microTime(new Date());
    await this.leases
      .replaceNamespacedLease({ name: this.name, namespace: 'kube-node-lease', body: lease })
      .catch(() => undefined);
  }

  /** Starts a pod bound here (Running, Ready, an IP) and finishes the deletion of one being deleted. */
  private async runPod(pod: V1Pod): Promise<void> {
    if (!this.alive) return;
    const { name, namespace } = pod.metadata as { name: string; namespace: string };
    if (pod.metadata?.deletionTimestamp) {
      await this.kube.core
        .deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 0 })
        .catch(() => undefined);
      return;
    }
    if (isPodReady(pod)) return;
    const now = new Date();
    const status: V1Pod['status'] = {
      phase: 'Running',
      hostIP: '10.201.0.1',
      podIP: `10.202.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250) + 1}`,
      startTime: now,
      conditions: ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'].map((type) => ({
        type,
        status: 'True',
        lastTransitionTime: now,
      })),
      containerStatuses: (pod.spec?.containers ?? []).map((c) => ({
        name: c.name,
        image: c.image ?? '',
        imageID: '',
        ready: true,
        started: true,
        restartCount: 0,
        state: { running: { startedAt: now } },
      })),
    };
    // Watch events carry raw JSON (string timestamps): write from a fresh typed read instead.
    await readModifyWrite(
      () => this.kube.core.readNamespacedPod({ name, namespace }),
      (body) => this.kube.core.replaceNamespacedPodStatus({ name, namespace, body }),
      (p) => {
        p.status = status;
      },
    ).catch(() => undefined);
  }
}

/** Leases want RFC 3339 with exactly six fractional digits (MicroTime); a Date would serialise with three. */
function microTime(date: Date): never {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z') as never;
}
