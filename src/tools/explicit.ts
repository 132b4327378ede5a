import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, join, resolve } from 'node:path';
import { InfrastructureError } from '../errors.ts';
import type { ToolName } from './catalog.ts';

/** GAUNTLET_BIN_KUBE_APISERVER for kube-apiserver. */
export function binEnvVar(name: ToolName): string {
  return `GAUNTLET_BIN_${name.toUpperCase().replace(/-/g, '_')}`;
}

/**
 * The path a user chose for `name`, if any. The environment beats the config file, as a per-machine
 * override of a shared config should.
 */
export function explicitPathFor(
  name: ToolName,
  explicitPaths: Partial<Record<ToolName, string>> | undefined,
  env: NodeJS.ProcessEnv = process.env,
): { path: string; origin: string } | undefined {
  const fromEnv = env[binEnvVar(name)];
  if (fromEnv) return { path: fromEnv, origin: binEnvVar(name) };
  const fromConfig = explicitPaths?.[name];
  if (fromConfig) return { path: fromConfig, origin: `config tools.${name}` };
  return undefined;
}

async function isExecutableFile(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * An explicit choice must work or fail loudly: falling back to another binary would test something other
 * than what the user asked for. A bare name (`etcd`) is looked up on PATH.
 */
export async function checkExplicitPath(
  name: ToolName,
  chosen: { path: string; origin: string },
): Promise<string> {
  const candidates = chosen.path.includes('/')
    ? [resolve(chosen.path)]
    : (process.env.PATH ?? '')
        .split(delimiter)
        .filter((d) => d !== '')
        .map((d) => join(d, chosen.path));
  for (const candidate of candidates) {
    if (await isExecutableFile(candidate)) return candidate;
  }
  const where = chosen.path.includes('/') ? resolve(chosen.path) : `${chosen.path} (searched PATH)`;
  throw new InfrastructureError(
    `${name}: the path given by ${chosen.origin} does not exist or is not an executable file: ${where}`,
  );
}
