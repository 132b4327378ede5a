import { jobCompletion } from '../../checks/self-healing/job-completion.ts';
import { namespaceDeletion } from '../../checks/self-healing/namespace-deletion.ts';
import { nodeLoss } from '../../checks/self-healing/node-loss.ts';
import { replacedPods } from '../../checks/self-healing/replaced-pods.ts';
import { statefulSetIdentity } from '../../checks/self-healing/statefulset-identity.ts';
import { describeCheck } from './describe-check.ts';

/** [SelfHealing]: lost pods and nodes are made good, stateful identity survives, Jobs finish, namespaces go. */
for (const check of [replacedPods, statefulSetIdentity, jobCompletion, namespaceDeletion]) {
  describeCheck(check, { assessTimeoutMs: 30_000 });
}
// Bounded by the cluster's node-monitor grace period plus the fixture's toleration (the check derives it).
describeCheck(nodeLoss, { assessTimeoutMs: 90_000 });
