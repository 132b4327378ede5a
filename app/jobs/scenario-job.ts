import { z } from 'zod';
import { attachLocalCluster } from '../../clusters/provision.ts';
import { type ClusterOptions, configFromOptions } from '../../src/config/cluster-options.ts';
import { scenarioFileSchema } from '../../src/model/scenario-file.ts';
import {
  type ClusterFacts,
  resolveCapability,
  unmetRequirements,
} from '../../suites/scenarios/capabilities.ts';
import { testsOf } from '../../suites/scenarios/describe-scenario.ts';
import { loadScenario } from '../../suites/scenarios/load-scenario.ts';
import { libraryFiles } from '../../suites/scenarios/scenario-files.ts';

export interface ScenarioListOptions extends ClusterOptions {
  /** A running embedded cluster, by name. */
  cluster?: string;
}

/**
 * The cluster a listing is about: a running embedded cluster (--cluster), one reached by --kubeconfig, or the one
 * `gauntlet run` would provision from the config and flags.
 */
async function factsFor(flags: ScenarioListOptions): Promise<{ facts: ClusterFacts; what: string }> {
  const config = await configFromOptions(flags);
  const aws = config.aws ? { aws: config.aws } : {};
  if (flags.cluster) {
    const cluster = await attachLocalCluster(flags.cluster);
    return {
      facts: { ...aws, ...(cluster.local ? { embedded: cluster.local.config } : {}) },
      what: `embedded cluster ${flags.cluster}`,
    };
  }
  if (config.cluster.provisioner === 'existing')
    return { facts: aws, what: `the cluster of ${config.cluster.existing.kubeconfig ?? 'the kubeconfig'}` };
  return {
    facts: { ...aws, embedded: config.cluster.local },
    what: 'the embedded cluster this config provisions',
  };
}

/** `gauntlet scenario list`: each library scenario, whether it runs on the cluster, and why not. */
export async function listScenarios(flags: ScenarioListOptions): Promise<void> {
  const { facts, what } = await factsFor(flags);
  process.stdout.write(`scenarios on ${what}:\n`);
  for (const file of await libraryFiles()) {
    const { spec } = await loadScenario(file);
    const reasons = unmetRequirements(spec, facts);
    const needs = spec.requires.length ? ` [${spec.requires.join(', ')}]` : '';
    process.stdout.write(
      `${reasons.length === 0 ? 'runs   ' : 'skipped'} ${spec.metadata.name}${needs}${reasons.length ? `: ${reasons.join('; ')}` : ''}\n`,
    );
  }
}

/** `gauntlet scenario validate`: every file checked; the first refused one exits 2 naming its fields. */
export async function validateScenarios(files: string[]): Promise<void> {
  for (const file of files) {
    const { spec } = await loadScenario(file);
    process.stdout.write(
      `${file}: valid (scenario ${spec.metadata.name}, ${spec.steps.length} steps, ${spec.expectations.length} expectations)\n`,
    );
  }
}

/** `gauntlet scenario show`: what the file does, and which mechanism each capability takes on the cluster. */
export async function showScenario(file: string, flags: ScenarioListOptions): Promise<void> {
  const loaded = await loadScenario(file);
  const { spec } = loaded;
  const { facts, what } = await factsFor(flags);
  const lines = [
    `${spec.metadata.name}${spec.metadata.title ? ` (${spec.metadata.title})` : ''}`,
    ...(spec.metadata.description ? [`  ${spec.metadata.description}`] : []),
    ...spec.metadata.sources.map((s) => `  source: ${s.title ? `${s.title} ` : ''}${s.url}`),
    `on ${what}:`,
    ...spec.requires.map((c) => {
      const r = resolveCapability(c, facts);
      return `  requires ${c}: ${r.ok ? `${r.mechanism}${r.faults.length > 0 ? ` (fault ${r.faults.join(' + ')})` : ''}` : `MISSING (${r.reason})`}`;
    }),
    ...unmetRequirements({ requires: [], excludes: spec.excludes }, facts).map((r) => `  excluded: ${r}`),
    `workloads: ${spec.workloads.map((w) => `${w.name} (${w.fixture ?? (w.file ? `file ${w.file}` : 'inline manifest')})`).join(', ') || 'none'}`,
    `monitors: ${[...spec.monitors.checks, ...(spec.monitors.apiProber ? ['api prober'] : []), ...(spec.monitors.load ? ['API load'] : []), ...(spec.monitors.serviceLoad ? [`service load of ${spec.monitors.serviceLoad.service} from ${spec.monitors.serviceLoad.from}`] : [])].join(', ') || 'none'}`,
    'tests:',
    ...testsOf(loaded).flatMap((t) => [
      `  ${t.title}`,
      ...t.steps.map(
        ({ step, index }) =>
          `    steps[${index}] ${JSON.stringify(Object.fromEntries(Object.entries(step).filter(([k]) => k !== 'test')))}`,
      ),
    ]),
    `expectations: ${spec.expectations.length}`,
    ...spec.expectations.map((e, i) => `  expectations[${i}] ${JSON.stringify(e)}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** The JSON Schema of scenario files (docs/scenario.schema.json is this output), for editor completion. */
export function scenarioJsonSchema(): string {
  return `${JSON.stringify(z.toJSONSchema(scenarioFileSchema, { io: 'input' }), null, 2)}\n`;
}
