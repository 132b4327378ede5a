import type { V1Pod, V1StorageClass } from '@kubernetes/client-node';
import { zoneLabel } from '../../src/kube/describe.ts';
import { runLabel } from '../../src/model/labels.ts';
import type { Check, CheckContext } from '../check.ts';
import { checkApis } from '../support/apis.ts';
import { collections } from '../support/collections.ts';
import { informers } from '../support/informers.ts';
import { podTemplate } from '../support/pause-pod.ts';
import { judge, Unmet } from '../support/unmet.ts';
import { monitorVerdict } from '../support/verdict-monitor.ts';
import { waitFor } from '../support/wait-for.ts';
import { claimFixture, createClaim, noProvisioner, volumeZone } from './storage-fixture.ts';

const claimName = 'provisioned';
const podName = 'provisioned-consumer';
const defaultClassAnnotation = 'storageclass.kubernetes.io/is-default-class';

/** A class some provisioner serves: the default one first, never one of ours or a static-only class. */
async function provisionedClass(ctx: CheckContext): Promise<V1StorageClass | undefined> {
  const classes = (await checkApis(ctx.kube).storage.listStorageClass()).items.filter(
    (sc) => sc.provisioner !== noProvisioner && !sc.metadata?.labels?.[runLabel],
  );
  return classes.find((sc) => sc.metadata?.annotations?.[defaultClassAnnotation] === 'true') ?? classes[0];
}

/**
 * Dynamic provisioning with topology: a claim of a provisioned class gets a new volume, and when the class
 * waits for the consumer the volume lands in the consumer's zone. Mirrors "[sig-storage] Dynamic Provisioning
 * DynamicProvisioner [Slow] [Feature:StorageProvider] should provision storage with different parameters"
 * and the delayed-binding topology assertions of test/e2e/storage/testsuites/topology.go. Skipped, with the
 * reason, on clusters without a provisioner (the embedded one has none).
 */
export const dynamicProvisioning: Check = {
  name: 'dynamic-provisioning',
  tags: ['Storage'],
  async setup(ctx) {
    const sc = await provisionedClass(ctx);
    if (!sc) return;
    await createClaim(
      ctx,
      claimFixture(ctx, claimName, {
        storageClassName: sc.metadata!.name!,
        storage: '1Gi',
        accessModes: ['ReadWriteOnce'],
      }),
    );
    const template = podTemplate({ ...ctx.labels, app: podName });
    template.spec!.volumes = [{ name: 'data', persistentVolumeClaim: { claimName } }];
    template.spec!.containers[0]!.volumeMounts = [{ name: 'data', mountPath: '/data' }];
    await ctx.kube.core.createNamespacedPod({
      namespace: ctx.namespace,
      body: {
        metadata: { ...template.metadata, name: podName, namespace: ctx.namespace },
        spec: template.spec!,
      },
    });
  },
  async assess(ctx, deadline) {
    const sc = await provisionedClass(ctx);
    if (!sc) {
      const all = (await checkApis(ctx.kube).storage.listStorageClass()).items.filter(
        (c) => !c.metadata?.labels?.[runLabel],
      );
      return {
        status: 'skipped',
        reason: `no StorageClass with a provisioner (${all.length ? all.map((c) => `${c.metadata?.name}: ${c.provisioner}`).join(', ') : 'no StorageClasses'})`,
      };
    }
    return judge(async () => {
      const id = `claim ${ctx.namespace}/${claimName} (class ${sc.metadata?.name}, provisioner ${sc.provisioner})`;
      const started = Date.now();
      const claim = await waitFor(ctx.kube, collections.claims(ctx.kube, ctx.namespace), {
        done: (claims) => claims.find((c) => c.metadata?.name === claimName && c.status?.phase === 'Bound'),
        what: `${id} to be Bound to a provisioned volume`,
        progress: (claims) => claims.map((c) => `${c.metadata?.name}=${c.status?.phase}`).join(', '),
        timeoutMs: deadline.timeoutMs,
      });
      const took = ((Date.now() - started) / 1000).toFixed(1);
      const pv = await ctx.kube.core.readPersistentVolume({ name: claim.spec!.volumeName! });
      const pvZone = volumeZone(pv);
      if (sc.volumeBindingMode !== 'WaitForFirstConsumer' || !pvZone)
        return `provisioned ${pv.metadata?.name} in ${took} s (no topology to check: mode ${sc.volumeBindingMode}, zone ${pvZone ?? 'none'})`;
      const pod = await waitFor<V1Pod, V1Pod>(ctx.kube, collections.pods(ctx.kube, ctx.namespace), {
        done: (pods) => pods.find((p) => p.metadata?.name === podName && p.spec?.nodeName),
        what: `pod ${ctx.namespace}/${podName} to be scheduled`,
        progress: () => 'not scheduled',
        timeoutMs: deadline.timeoutMs,
      });
      const node = await ctx.kube.core.readNode({ name: pod.spec!.nodeName! });
      const podZone = node.metadata?.labels?.[zoneLabel];
      if (podZone !== pvZone)
        throw new Unmet(
          `${id}: provisioned ${pv.metadata?.name} in zone ${pvZone}, but its consumer runs in ${podZone}`,
        );
      return `provisioned ${pv.metadata?.name} in ${podZone}, the consumer's zone, in ${took} s`;
    });
  },
  monitor: (ctx, signal, emit) => {
    const claims = informers.claims(ctx.kube, ctx.namespace);
    return monitorVerdict({
      informers: [claims],
      signal,
      emit,
      judge: () => {
        const c = claims.get(claimName, ctx.namespace);
        if (!c) return { ok: true, detail: `no provisioned claim in ${ctx.namespace} (check skipped)` };
        return c.status?.phase === 'Bound'
          ? { ok: true, detail: `claim ${ctx.namespace}/${claimName}: Bound to ${c.spec?.volumeName}` }
          : {
              ok: false,
              detail: `claim ${ctx.namespace}/${claimName}: expected Bound; it is ${c.status?.phase}`,
            };
      },
    });
  },
  // The namespace takes claim and pod; the provisioner deletes the volume (class reclaim policy).
  async teardown() {},
};
