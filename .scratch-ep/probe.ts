import { kubeFromFile } from '../src/kube/client.ts';
import { apiErrorMessage } from '../src/kube/api-error.ts';
const kube = kubeFromFile('/tmp/ep/state/clusters/ep/kubeconfig');
const t = Date.now();
console.log('read', (await kube.core.listNamespacedConfigMap({ namespace: 'fill-x' })).items.length, Date.now() - t);
try { await kube.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'probe' + Date.now() } } }); console.log('write ok'); } catch (e) { console.log('write', apiErrorMessage(e)); }
const t2 = Date.now();
try { await kube.core.deleteCollectionNamespacedConfigMap({ namespace: 'fill-x', labelSelector: 'a=b' }); console.log('delcoll ok', Date.now() - t2); } catch (e) { console.log('delcoll', apiErrorMessage(e)); }
console.log('read', (await kube.core.listNamespacedConfigMap({ namespace: 'fill-x' })).items.length);
