import { readFile } from 'node:fs/promises';
import { ConfigError } from '../errors.ts';
import { formatIssues } from './format-issues.ts';
import { configSchema, type GauntletConfig } from './schema.ts';

/** Flags given on the command line; each overrides the matching config field. */
export interface ConfigOverrides {
  name?: string;
  provisioner?: string;
  ha?: boolean;
  nodesPerZone?: number;
  realNodes?: number;
  zones?: string[];
  kubeconfig?: string;
  context?: string;
  suites?: string[];
  out?: string;
  keep?: boolean;
}

/** Reads the YAML file (if any), applies flag overrides, validates, and names the bad field on error. */
export async function loadConfig(
  file: string | undefined,
  overrides: ConfigOverrides = {},
): Promise<GauntletConfig> {
  let raw: unknown = { apiVersion: 'gauntlet.dev/v1alpha1', kind: 'GauntletConfig' };
  if (file) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new ConfigError(`config file ${file}: cannot read it (${(error as NodeJS.ErrnoException).code})`);
    }
    const { parse: parseYaml, YAMLParseError } = await import('yaml');
    try {
      raw = parseYaml(text) ?? {};
    } catch (error) {
      const where = error instanceof YAMLParseError ? ` at line ${error.linePos?.[0]?.line}` : '';
      throw new ConfigError(`config file ${file}: not valid YAML${where}: ${(error as Error).message}`);
    }
  }
  return validateConfig(applyOverrides(raw, overrides), file ?? '(flags)');
}

export function validateConfig(raw: unknown, source: string): GauntletConfig {
  const result = configSchema.safeParse(raw);
  if (result.success) return result.data;
  throw new ConfigError(`${source}: invalid configuration\n${formatIssues(result.error.issues)}`);
}

function applyOverrides(raw: unknown, o: ConfigOverrides): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const config = structuredClone(raw) as Record<string, Record<string, unknown>>;
  const section = (parent: Record<string, unknown>, key: string): Record<string, unknown> => {
    const value = parent[key];
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>;
    if (value !== undefined) return {}; // leave the bad value for the schema to report
    parent[key] = {};
    return parent[key] as Record<string, unknown>;
  };
  const cluster = section(config, 'cluster');
  const local = section(cluster, 'local');
  const existing = section(cluster, 'existing');
  const run = section(config, 'run');
  if (o.name !== undefined) cluster.name = o.name;
  if (o.provisioner !== undefined) cluster.provisioner = o.provisioner;
  if (o.keep !== undefined) cluster.keep = o.keep;
  if (o.ha !== undefined) local.ha = o.ha;
  if (o.nodesPerZone !== undefined) local.nodesPerZone = o.nodesPerZone;
  if (o.realNodes !== undefined) local.realNodes = o.realNodes;
  if (o.zones !== undefined) local.zones = o.zones;
  if (o.kubeconfig !== undefined) existing.kubeconfig = o.kubeconfig;
  if (o.context !== undefined) existing.context = o.context;
  if (o.kubeconfig !== undefined && o.provisioner === undefined) cluster.provisioner = 'existing';
  if (o.suites !== undefined) run.suites = o.suites;
  if (o.out !== undefined) run.out = o.out;
  return config;
}
