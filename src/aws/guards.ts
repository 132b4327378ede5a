import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { SafetyConfig } from '../config/schema.ts';
import { ConfigError } from '../errors.ts';
import type { Kube } from '../kube/client.ts';
import type { AwsContext } from './clients.ts';

/**
 * What stands between a destructive AWS fault and a cluster nobody allowed it on. Every condition is checked
 * (not just the first that fails), so one refusal lists everything the user must fix. Nothing is changed.
 */
export async function missingPermissions(
  kube: Kube,
  aws: AwsContext | undefined,
  safety: SafetyConfig,
): Promise<string[]> {
  const missing: string[] = [];
  if (!aws) return ['aws: the config has no aws section (region, accountId, clusterName)'];
  const context = kube.config.getCurrentContext();
  if (!safety.allowedContexts.includes(context))
    missing.push(`safety.allowedContexts: the kubeconfig context "${context}" is not listed`);

  const { namespace, name } = safety.marker;
  try {
    await kube.core.readNamespacedConfigMap({ namespace, name });
  } catch (error) {
    const code = (error as { code?: number }).code;
    missing.push(
      code === 404
        ? `cluster: no opt-in ConfigMap ${namespace}/${name} (the cluster's owner creates it to allow destructive faults)`
        : `cluster: cannot read the opt-in ConfigMap ${namespace}/${name} (HTTP ${code ?? 'error'})`,
    );
  }

  try {
    const identity = await aws.clients.sts.send(new GetCallerIdentityCommand({}));
    if (identity.Account !== aws.config.accountId)
      missing.push(
        `aws.accountId: the credentials are for account ${identity.Account}, the config names ${aws.config.accountId}`,
      );
  } catch (error) {
    missing.push(
      `aws.accountId: cannot verify the account (sts:GetCallerIdentity failed: ${(error as Error).name})`,
    );
  }

  const envRegion = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (envRegion && envRegion !== aws.config.region)
    missing.push(`aws.region: AWS_REGION is ${envRegion}, the config names ${aws.config.region}`);
  const nodeRegions = new Set(
    (await kube.core.listNode()).items
      .map((n) => n.metadata?.labels?.['topology.kubernetes.io/region'])
      .filter((r): r is string => !!r),
  );
  const others = [...nodeRegions].filter((r) => r !== aws.config.region);
  if (others.length > 0)
    missing.push(
      `aws.region: the cluster's nodes are in ${others.join(', ')}, the config names ${aws.config.region}`,
    );
  return missing;
}

/** Refuses (exit 2) unless every condition holds, naming each one that does not. */
export async function requireDestructiveAllowed(
  kube: Kube,
  aws: AwsContext | undefined,
  safety: SafetyConfig,
  what: string,
): Promise<void> {
  const missing = await missingPermissions(kube, aws, safety);
  if (missing.length > 0)
    throw new ConfigError(
      `refusing ${what}: destructive AWS faults need an explicit allow; missing:\n  - ${missing.join('\n  - ')}`,
    );
}
