import { z } from 'zod';
import { type AwsClients, type AwsContext, clientsFor, isDryRunSuccess } from '../../src/aws/clients.ts';
import { ConfigError } from '../../src/errors.ts';
import type { FaultContext } from '../fault.ts';

/** Where an AWS fault's undo says it acted, so revert builds its clients from the ledger alone. */
export const awsWhereSchema = z.object({
  region: z.string().min(1),
  /** An emulator's endpoint, when the config named one (never a credential). */
  endpoint: z.string().optional(),
});
export type AwsWhere = z.infer<typeof awsWhereSchema>;

export function requireAws(ctx: FaultContext, kind: string): AwsContext {
  if (!ctx.aws)
    throw new ConfigError(
      `${kind}: the config has no aws section (aws.region, aws.accountId, aws.clusterName)`,
    );
  return ctx.aws;
}

export const whereOf = (aws: AwsContext): AwsWhere => ({
  region: aws.config.region,
  ...(aws.config.endpoint ? { endpoint: aws.config.endpoint } : {}),
});

export const clientsOf = (ctx: FaultContext, where: AwsWhere): AwsClients =>
  clientsFor(ctx, where.region, where.endpoint);

/**
 * Sends one EC2 request with DryRun=true and says what EC2 answered: DryRunOperation means allowed and
 * unchanged. `undo` runs if the endpoint ignored DryRun and made the change (emulators do for some calls),
 * so a dry run never leaves anything behind.
 */
export async function dryRun(
  call: string,
  send: () => Promise<unknown>,
  undo?: (result: unknown) => Promise<void>,
): Promise<{ line: string; honoured: boolean }> {
  try {
    const result = await send();
    if (undo) await undo(result);
    return { line: `${call}: the endpoint ignored DryRun and acted; undone at once`, honoured: false };
  } catch (error) {
    if (isDryRunSuccess(error)) return { line: `${call}: allowed (DryRunOperation)`, honoured: true };
    return {
      line: `${call}: refused (${(error as Error).name}: ${(error as Error).message})`,
      honoured: true,
    };
  }
}
