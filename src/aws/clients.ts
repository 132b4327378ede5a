import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { STSClient } from '@aws-sdk/client-sts';
import type { AwsConfig } from '../config/schema.ts';

/** The AWS API clients the backend drives; credentials always come from the SDK's default chain. */
export interface AwsClients {
  region: string;
  ec2: EC2Client;
  autoscaling: AutoScalingClient;
  sts: STSClient;
}

/** The AWS backend as faults see it: the validated config section and its clients. */
export interface AwsContext {
  config: AwsConfig;
  clients: AwsClients;
}

/**
 * Clients for one region. The SDK's adaptive retry strategy absorbs throttling (RequestLimitExceeded) with
 * backoff and client-side rate limiting. No logger is passed: the SDK then logs nothing, so neither
 * credentials nor request signatures can reach our output. An explicit endpoint (an emulator) overrides
 * AWS_ENDPOINT_URL_EC2 / AWS_ENDPOINT_URL, which the SDK honours by itself otherwise.
 */
// The project runs on Node 20 with SDK releases that support it; the SDK's notice about later releases needing
// Node 22 would otherwise open the stderr of every command.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export function awsClients(
  region: string,
  endpoint?: string,
  /** Only for tests, which hand fake keys over explicitly; everything else uses the default chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string },
): AwsClients {
  const common = {
    region,
    maxAttempts: 8,
    retryMode: 'adaptive',
    ...(endpoint ? { endpoint } : {}),
    ...(credentials ? { credentials } : {}),
  };
  return {
    region,
    ec2: new EC2Client(common),
    autoscaling: new AutoScalingClient(common),
    sts: new STSClient(common),
  };
}

export function awsContext(config: AwsConfig): AwsContext {
  return { config, clients: awsClients(config.region, config.endpoint) };
}

/** The clients a revert uses: the run's own, or (recovering from the ledger alone) new ones for the recorded region. */
export function clientsFor(ctx: { aws?: AwsContext }, region: string, endpoint?: string): AwsClients {
  if (ctx.aws && ctx.aws.clients.region === region) return ctx.aws.clients;
  return awsClients(region, endpoint);
}

/** True when an error is EC2's answer to a DryRun request that would have succeeded. */
export const isDryRunSuccess = (error: unknown) => (error as { name?: string })?.name === 'DryRunOperation';
