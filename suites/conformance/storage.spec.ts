import { dynamicProvisioning } from '../../checks/storage/dynamic-provisioning.ts';
import { reclaimPolicy } from '../../checks/storage/reclaim-policy.ts';
import { staticBinding } from '../../checks/storage/static-binding.ts';
import { waitForFirstConsumer } from '../../checks/storage/wait-for-first-consumer.ts';
import { zoneConflict } from '../../checks/storage/zone-conflict.ts';
import { describeCheck } from './describe-check.ts';

/** [Storage]: claims bind to the right volumes, in the right zone, and volumes are reclaimed by policy. */
for (const check of [staticBinding, waitForFirstConsumer, zoneConflict, reclaimPolicy]) {
  describeCheck(check, { assessTimeoutMs: 30_000 });
}
// Real provisioners (EBS CSI) take tens of seconds to create a volume.
describeCheck(dynamicProvisioning, { assessTimeoutMs: 120_000 });
