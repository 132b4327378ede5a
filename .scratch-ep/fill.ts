import { fillEtcd, latencyPercentiles } from '../faults/local/etcd-filler.ts';
import { kubeFromFile } from '../src/kube/client.ts';
const kube = kubeFromFile('/tmp/ep/state/clusters/ep/kubeconfig');
await kube.core.createNamespace({ body: { metadata: { name: 'fill-x', labels: { a: 'b' } } } }).catch(() => {});
const t = Date.now();
const r = await fillEtcd({ kube, namespace: 'fill-x', labels: { a: 'b' }, objectKind: 'configmap', objectSizeBytes: 512 * 1024, writesPerSecond: 20, maxInFlight: 4, deadlineMs: 120000 });
console.log(Date.now() - t, r.stoppedBy, r.objectsWritten, r.bytesWritten, latencyPercentiles(r.samples), r.samples.filter((s) => !s.ok).slice(0, 5));
