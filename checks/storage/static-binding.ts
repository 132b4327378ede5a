import type { V1PersistentVolumeClaim } from '@kubernetes/client-node';
import type { Check } from '../check.ts';
import { collections } from '../support/collections.ts';
import { informers } from '../support/informers.ts';
import { judge, Unmet } from '../support/unmet.ts';
import { monitorVerdict } from '../support/verdict-monitor.ts';
import { waitFor } from '../support/wait-for.ts';
import {
  claimFixture,
  clusterScopedName,
  createClaim,
  createStorageClass,
  createVolume,
  deleteStorageFixtures,
  volumeSelector,
} from './storage-fixture.ts';

/**
 * The PV controller resyncs unbound claims every 15 s (--pvclaimbinder-sync-period); a claim created before
 * the controller saw its volume may wait for that resync, so the bound covers one.
 */
const bindBoundMs = 20_000;

/** Claims that must bind, each to the one volume matching its class, size and access mode. */
const matching = [
  { claim: 'rwo-1gi', volume: 'small-rwo', storage: '1Gi', accessModes: ['ReadWriteOnce'] },
  { claim: 'rwx-2gi', volume: 'big-rwx', storage: '2Gi', accessModes: ['ReadWriteMany'] },
];
/** Claims no volume satisfies: too big for any, or an access mode none offers. */
const unmatched = [
  { claim: 'rwo-10gi', storage: '10Gi', accessModes: ['ReadWriteOnce'], why: 'larger than every volume' },
  { claim: 'rox-1gi', storage: '1Gi', accessModes: ['ReadOnlyMany'], why: 'an access mode no volume offers' },
];

/**
 * Static PersistentVolumes bind to the claims that match them by storage class, capacity and access mode,
 * and to nothing else. Mirrors "[sig-storage] PersistentVolumes NFS with Single PV - PVC pairs create a PV and
 * a pre-bound PVC: test write access" binding assertions and the PV controller's matching rules
 * (pkg/controller/volume/persistentvolume index_test): smallest fitting volume of the same class wins.
 */
export const staticBinding: Check = {
  name: 'static-binding',
  tags: ['Storage'],
  async setup(ctx) {
    const sc = await createStorageClass(ctx, 'static', 'Immediate');
    const other = clusterScopedName(ctx, 'other-class');
    await Promise.all([
      createVolume(ctx, {
        suffix: 'small-rwo',
        storageClassName: sc,
        capacity: '1Gi',
        accessModes: ['ReadWriteOnce'],
      }),
      createVolume(ctx, {
        suffix: 'big-rwx',
        storageClassName: sc,
        capacity: '5Gi',
        accessModes: ['ReadWriteMany'],
      }),
      // Same size and mode as the 1Gi claim, another class: must stay Available.
      createVolume(ctx, {
        suffix: 'other-class',
        storageClassName: other,
        capacity: '20Gi',
        accessModes: ['ReadWriteOnce', 'ReadOnlyMany'],
      }),
    ]);
  },
  assess: (ctx, deadline) =>
    judge(async () => {
      const bound = Math.min(deadline.timeoutMs, bindBoundMs);
      const sc = clusterScopedName(ctx, 'static');
      const started = Date.now();
      for (const c of [...matching, ...unmatched])
        await createClaim(
          ctx,
          claimFixture(ctx, c.claim, {
            storageClassName: sc,
            storage: c.storage,
            accessModes: c.accessModes,
          }),
        );
      await waitFor(ctx.kube, collections.claims(ctx.kube, ctx.namespace), {
        done: (claims) => (matching.every((m) => isBound(claims, m.claim)) ? true : undefined),
        what: `claims ${matching.map((m) => `${ctx.namespace}/${m.claim}`).join(', ')} to be Bound to matching static volumes of class ${sc}`,
        progress: (claims) => claims.map(describeClaim).join(', '),
        timeoutMs: bound,
      });
      const took = ((Date.now() - started) / 1000).toFixed(1);
      const claims = (await ctx.kube.core.listNamespacedPersistentVolumeClaim({ namespace: ctx.namespace }))
        .items;
      for (const m of matching) {
        const got = claims.find((c) => c.metadata?.name === m.claim)?.spec?.volumeName;
        if (got !== clusterScopedName(ctx, m.volume))
          throw new Unmet(
            `claim ${ctx.namespace}/${m.claim} (${m.storage} ${m.accessModes}) bound to ${got}; expected ${clusterScopedName(ctx, m.volume)}`,
          );
      }
      // The controller only tries to provision a claim once it found no volume for it: its ProvisioningFailed
      // (no plugin for kubernetes.io/no-provisioner) is the evidence it looked and found none.
      for (const u of unmatched) {
        await waitFor(ctx.kube, collections.eventsOf(ctx.kube, ctx.namespace, u.claim), {
          done: (events) =>
            events.some((e) => e.reason === 'ProvisioningFailed' || e.reason === 'FailedBinding')
              ? true
              : undefined,
          what: `the PV controller to report it found no volume for claim ${ctx.namespace}/${u.claim} (${u.why})`,
          progress: (events) => `events: ${events.map((e) => e.reason).join(', ') || 'none'}`,
          timeoutMs: bound,
        });
      }
      const now = await Promise.all([
        ctx.kube.core.listNamespacedPersistentVolumeClaim({ namespace: ctx.namespace }),
        ctx.kube.core.listPersistentVolume({ labelSelector: volumeSelector(ctx) }),
      ]);
      for (const u of unmatched) {
        const claim = now[0].items.find((c) => c.metadata?.name === u.claim);
        if (claim?.status?.phase !== 'Pending' || claim.spec?.volumeName)
          throw new Unmet(
            `claim ${ctx.namespace}/${u.claim} (${u.why}) is ${claim?.status?.phase} on ${claim?.spec?.volumeName}; expected Pending and unbound`,
          );
      }
      const otherName = clusterScopedName(ctx, 'other-class');
      const other = now[1].items.find((pv) => pv.metadata?.name === otherName);
      if (other?.status?.phase !== 'Available')
        throw new Unmet(
          `PersistentVolume ${otherName} of another class is ${other?.status?.phase} (claim ${other?.spec?.claimRef?.name}); expected Available`,
        );
      return `2 claims bound to their matching volumes in ${took} s; ${unmatched.length} unmatched claims Pending; the other class's volume Available`;
    }),
  monitor: (ctx, signal, emit) => {
    const claims = informers.claims(ctx.kube, ctx.namespace);
    return monitorVerdict({
      informers: [claims],
      signal,
      emit,
      judge: () => {
        const list = claims.list();
        const lost = matching.filter(
          (m) => list.some((c) => c.metadata?.name === m.claim) && !isBound(list, m.claim),
        );
        const wrong = unmatched.filter(
          (u) => list.find((c) => c.metadata?.name === u.claim)?.spec?.volumeName,
        );
        if (lost.length + wrong.length === 0)
          return {
            ok: true,
            detail: `claims in ${ctx.namespace}: matching ones Bound, unmatched ones unbound`,
          };
        return {
          ok: false,
          detail: `claims in ${ctx.namespace}: ${[...lost.map((m) => `${m.claim} expected Bound`), ...wrong.map((u) => `${u.claim} expected unbound`)].join(', ')}`,
        };
      },
    });
  },
  teardown: (ctx) => deleteStorageFixtures(ctx),
};

const isBound = (claims: readonly V1PersistentVolumeClaim[], name: string) =>
  claims.some((c) => c.metadata?.name === name && c.status?.phase === 'Bound');

const describeClaim = (c: V1PersistentVolumeClaim) =>
  `${c.metadata?.name}=${c.status?.phase}${c.spec?.volumeName ? `(${c.spec.volumeName})` : ''}`;
