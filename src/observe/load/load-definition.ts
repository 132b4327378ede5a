import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ExitCode, GauntletError } from '../../errors.ts';

/** A load definition that cannot be used: a harness error (exit 3), naming the file and the field. */
export class LoadDefinitionError extends GauntletError {
  constructor(message: string) {
    super(message, ExitCode.Infrastructure);
  }
}

const rate = z.number().min(0).max(10_000);

/** The sig-scalability bounds, in seconds; judged on the server's SLI buckets and on each client request alike. */
const slo = z
  .strictObject({
    /** Single-object mutating calls (POST, PUT, PATCH, DELETE, APPLY). */
    mutatingSeconds: z.number().positive().default(1),
    /** Non-streaming reads with scope resource (GET, LIST of one object). */
    resourceReadSeconds: z.number().positive().default(1),
    /** LISTs in one namespace; 30 s upstream, a stricter bound (5 s) is a common choice. */
    namespaceReadSeconds: z.number().positive().default(30),
    /** LISTs across the cluster. */
    clusterReadSeconds: z.number().positive().default(30),
    /** A watch's response headers (not an upstream SLI: the client's view only). */
    watchOpenSeconds: z.number().positive().default(30),
    /** Share of requests (and of server SLI observations) that must be within their bound. */
    objective: z.number().min(0).max(1).default(0.99),
  })
  .prefault({});

export const apiLoadDefinition = z.strictObject({
  /** How long requests are scheduled for. */
  durationSeconds: z
    .number()
    .positive()
    .max(24 * 3600)
    .default(20),
  operations: z
    .strictObject({
      /** ConfigMap lifecycles started per second: create -> get -> patch -> delete, each a request. */
      configmaps: z.strictObject({ perSecond: rate.default(5) }).prefault({}),
      /** LIST of the scratch namespace's ConfigMaps (scope namespace). */
      namespaceList: z.strictObject({ perSecond: rate.default(2) }).prefault({}),
      /** LIST of Namespaces (scope cluster). */
      clusterList: z.strictObject({ perSecond: rate.default(1) }).prefault({}),
      /** Watches opened per second on the scratch namespace, each closed by the client after holdSeconds. */
      watches: z
        .strictObject({ perSecond: rate.default(0.5), holdSeconds: z.number().positive().default(5) })
        .prefault({}),
    })
    .prefault({}),
  /** Keep-alive connections to the API endpoint. */
  connections: z.number().int().min(1).max(1024).default(16),
  /** A request that has no answer by then is a failure (connection errors are retried until then). */
  requestTimeoutSeconds: z.number().positive().default(30),
  /** How often every apiserver's /metrics is read while the load runs (besides before and after). */
  scrapeIntervalSeconds: z.number().positive().default(5),
  slo,
});
export type ApiLoadDefinition = z.infer<typeof apiLoadDefinition>;
export type SloBounds = ApiLoadDefinition['slo'];

/** "a.b.c=value": the value is JSON when it parses as JSON (numbers, booleans), a string otherwise. */
function applySet(target: Record<string, unknown>, setting: string): void {
  const m = /^([A-Za-z][\w.]*)=(.*)$/s.exec(setting);
  if (!m?.[1]) throw new LoadDefinitionError(`load --set expects field.path=value, got "${setting}"`);
  const path = m[1].split('.');
  let value: unknown = m[2] ?? '';
  try {
    value = JSON.parse(String(value));
  } catch {
    // a plain string
  }
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path.at(-1)!] = value;
}

/**
 * The definition from a YAML/JSON file (optional) with --set overrides on top, validated. A broken one throws
 * LoadDefinitionError naming each offending field, e.g. "operations.configmaps.perSecond: expected number".
 */
export async function loadApiDefinition(
  file: string | undefined,
  sets: string[] = [],
): Promise<ApiLoadDefinition> {
  let raw: unknown = {};
  const source = file ?? '--set';
  if (file) {
    const text = await readFile(file, 'utf8').catch((error: Error) => {
      throw new LoadDefinitionError(`load definition ${file}: ${error.message}`);
    });
    try {
      raw = parseYaml(text) ?? {};
    } catch (error) {
      throw new LoadDefinitionError(`load definition ${file}: ${(error as Error).message}`);
    }
    if (typeof raw !== 'object' || Array.isArray(raw))
      throw new LoadDefinitionError(`load definition ${file}: expected a mapping at the top`);
  }
  for (const setting of sets) applySet(raw as Record<string, unknown>, setting);
  return parseApiDefinition(raw, source);
}

export function parseApiDefinition(raw: unknown, source = 'load definition'): ApiLoadDefinition {
  const parsed = apiLoadDefinition.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      const where = [...i.path, ...('keys' in i && Array.isArray(i.keys) ? [i.keys.join(',')] : [])];
      return `${where.join('.') || '(top)'}: ${i.message}`;
    });
    throw new LoadDefinitionError(`load definition ${source}: ${problems.join('; ')}`);
  }
  return parsed.data;
}
