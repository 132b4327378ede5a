import type { V1Service } from '@kubernetes/client-node';
import type { Kube } from '../../../src/kube/client.ts';
import { clusterDnsIp } from './node-plan.ts';

/**
 * The `kube-dns` Service real nodes' pods resolve through (kubelet clusterDNS): ClusterIP 10.96.0.10, port 53,
 * with no selector and an EndpointSlice naming the embedded CoreDNS on the cluster bridge, so kube-proxy on
 * each node carries the pods' queries to it, as it does to CoreDNS pods in a real cluster.
 */
export async function ensureKubeDnsService(kube: Kube, bridgeIp: string, port: number): Promise<void> {
  const { DiscoveryV1Api } = await import('@kubernetes/client-node');
  const discovery = kube.config.makeApiClient(DiscoveryV1Api);
  const namespace = 'kube-system';
  const service: V1Service = {
    metadata: { name: 'kube-dns', namespace, labels: { 'k8s-app': 'kube-dns' } },
    spec: {
      clusterIP: clusterDnsIp,
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: port },
        { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: port },
      ],
    },
  };
  const ignoreExists = (error: { code?: number }) => {
    if (error.code !== 409) throw error;
  };
  // The apiserver creates kube-system just after it turns healthy: make sure it is there.
  await kube.core.createNamespace({ body: { metadata: { name: namespace } } }).catch(ignoreExists);
  await kube.core.createNamespacedService({ namespace, body: service }).catch(ignoreExists);
  await discovery
    .createNamespacedEndpointSlice({
      namespace,
      body: {
        metadata: {
          name: 'kube-dns-embedded',
          namespace,
          labels: {
            'kubernetes.io/service-name': 'kube-dns',
            'endpointslice.kubernetes.io/managed-by': 'gauntlet.dev',
          },
        },
        addressType: 'IPv4',
        endpoints: [
          { addresses: [bridgeIp], conditions: { ready: true, serving: true, terminating: false } },
        ],
        ports: [
          { name: 'dns', port, protocol: 'UDP' },
          { name: 'dns-tcp', port, protocol: 'TCP' },
        ],
      },
    })
    .catch(ignoreExists);
}
