import { z } from 'zod';
import { localClusterSpecSchema } from './local-cluster-spec.ts';

/** A cluster a run works against, whatever provided it (also written beside a ledger for the watchdog). */
export const provisionedClusterSchema = z.strictObject({
  name: z.string().min(1),
  provisioner: z.enum(['local', 'existing']),
  kubeconfig: z.string().min(1),
  context: z.string().optional(),
  /** True when this run created the cluster and so must tear it down. */
  owned: z.boolean(),
  /** The embedded cluster's processes, ports and files; absent for clusters we do not run. */
  local: localClusterSpecSchema.optional(),
});
export type ProvisionedCluster = z.output<typeof provisionedClusterSchema>;
