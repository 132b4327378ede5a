import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseAllDocuments, parse as parseYaml, YAMLParseError } from 'yaml';
import { faults } from '../../faults/registry.ts';
import { fieldPath, issueLines } from '../../src/config/format-issues.ts';
import { ConfigError } from '../../src/errors.ts';
import { BoundError, checkBound } from '../../src/model/bound-expression.ts';
import { type ScenarioFile, scenarioFileSchema } from '../../src/model/scenario-file.ts';
import { apiLoadDefinition } from '../../src/observe/load/load-definition.ts';
import { maxInClusterRequests } from '../../src/observe/load/vegeta-in-cluster.ts';
import { monitorNameList } from './monitor-checks.ts';
import { registeredAssertions } from './registered-assertions.ts';

/** A manifest: whatever Kubernetes object the file gives, with the fields every object has. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; [key: string]: unknown };
  [key: string]: unknown;
}

/** A scenario file read, validated and with every manifest file it names read as well: nothing left to refuse. */
export interface LoadedScenario {
  file: string;
  spec: ScenarioFile;
  /** Manifests of each manifest/file workload, by workload name. */
  manifests: Map<string, Manifest[]>;
  /** Manifests of each apply step, by step index. */
  applies: Map<number, Manifest[]>;
}

type Problem = { path: PropertyKey[]; message: string };

/** Reads and validates a scenario file; any problem is a ConfigError (exit 2) listing every field path at fault. */
export async function loadScenario(file: string): Promise<LoadedScenario> {
  const path = resolve(file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`scenario ${file}: cannot read it (${(error as NodeJS.ErrnoException).code})`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    const where = error instanceof YAMLParseError ? ` at line ${error.linePos?.[0]?.line}` : '';
    throw new ConfigError(`scenario ${file}: not valid YAML${where}: ${(error as Error).message}`);
  }
  const parsed = scenarioFileSchema.safeParse(raw);
  if (!parsed.success)
    throw refused(
      file,
      parsed.error.issues.flatMap((i) => issueLines(i)),
    );
  const spec = parsed.data;
  const problems: Problem[] = [];
  const manifests = new Map<string, Manifest[]>();
  const applies = new Map<number, Manifest[]>();
  crossCheck(spec, problems);
  const base = dirname(path);
  for (const [i, w] of spec.workloads.entries()) {
    const got = await manifestsOf(w, base, ['workloads', i], problems);
    if (got) manifests.set(w.name, got);
  }
  for (const [i, s] of spec.steps.entries()) {
    if (!s.apply) continue;
    const got = await manifestsOf(s.apply, base, ['steps', i, 'apply'], problems);
    if (got) applies.set(i, got);
  }
  servicesDeclared(spec, manifests, problems);
  if (problems.length > 0)
    throw refused(
      file,
      problems.map((p) => `${fieldPath(p.path)}: ${p.message}`),
    );
  return { file: path, spec, manifests, applies };
}

function refused(file: string, lines: string[]): ConfigError {
  return new ConfigError(`scenario ${file}: invalid scenario\n${lines.map((l) => `  - ${l}`).join('\n')}`);
}

/** The rules across fields: names that must exist, faults of the registry, bounds that evaluate. */
function crossCheck(spec: ScenarioFile, problems: Problem[]): void {
  const add = (path: PropertyKey[], message: string) => problems.push({ path, message });
  const bound = (value: number | string | undefined, path: PropertyKey[]) => {
    if (value === undefined) return;
    try {
      checkBound(value);
    } catch (error) {
      if (!(error instanceof BoundError)) throw error;
      add(path, error.message);
    }
  };
  const workloads = new Set<string>();
  for (const [i, w] of spec.workloads.entries()) {
    if (workloads.has(w.name)) add(['workloads', i, 'name'], `workload "${w.name}" is declared twice`);
    workloads.add(w.name);
    bound(w.readyWithin, ['workloads', i, 'readyWithin']);
    if (w.fixture === 'zonal-volume' && w.zone === undefined)
      add(['workloads', i, 'zone'], 'the zonal-volume fixture needs the zone its volume lives in');
    if (w.fixture !== 'zonal-volume' && w.zone !== undefined)
      add(['workloads', i, 'zone'], 'only the zonal-volume fixture takes a zone');
    if (w.fixture === undefined && (w.replicas !== undefined || w.evictAfterSeconds !== undefined))
      add(['workloads', i], 'replicas and evictAfterSeconds are parameters of a fixture');
  }
  const pattern = (value: string | undefined, path: PropertyKey[]) => {
    if (value === undefined) return;
    try {
      new RegExp(value);
    } catch (error) {
      add(path, `not a regular expression: ${(error as Error).message}`);
    }
  };
  const workload = (name: string, path: PropertyKey[]) => {
    if (!workloads.has(name))
      add(path, `no workload named "${name}" (declared: ${[...workloads].join(', ') || 'none'})`);
  };
  for (const c of spec.excludes)
    if (spec.requires.includes(c)) add(['excludes'], `"${c}" is both required and excluded`);
  const knownMonitors = monitorNameList();
  for (const [i, m] of spec.monitors.checks.entries())
    if (!knownMonitors.includes(m))
      add(['monitors', 'checks', i], `unknown monitor "${m}" (known: ${knownMonitors.join(', ')})`);
  if (spec.monitors.load) {
    const load = apiLoadDefinition.safeParse(spec.monitors.load);
    if (!load.success)
      for (const issue of load.error.issues)
        for (const line of issueLines(issue, 'monitors.load')) problems.push({ path: [], message: line });
  }
  // Injections and conditions named by `as`, in file order: what a later targetOf or since may name.
  const injected = new Set<string>();
  const moments = new Set<string>();
  const nodeSelection = (sel: { targetOf?: string } | undefined, path: PropertyKey[]) => {
    if (sel?.targetOf !== undefined && !injected.has(sel.targetOf))
      add(
        [...path, 'targetOf'],
        `no earlier injection named "${sel.targetOf}" (inject ... as: ${sel.targetOf})`,
      );
  };
  const condition = (c: ScenarioFile['steps'][number]['wait'], path: PropertyKey[]) => {
    if (!c) return;
    bound(c.within, [...path, 'within']);
    bound(c.notBefore, [...path, 'notBefore']);
    if (c.since !== undefined && !moments.has(c.since))
      add(
        [...path, 'since'],
        `no earlier condition or injection named "${c.since}" (as: ${c.since}; known: ${[...moments].join(', ') || 'none'})`,
      );
    if (c.as !== undefined) {
      if (moments.has(c.as)) add([...path, 'as'], `"${c.as}" names an earlier moment already`);
      moments.add(c.as);
    }
    if (c.nodes) {
      nodeSelection(c.nodes, [...path, 'nodes']);
      pattern(c.nodes.message, [...path, 'nodes', 'message']);
    }
    nodeSelection(c.leaseRenewed, [...path, 'leaseRenewed']);
    if (c.logged && !spec.requires.includes('component-logs'))
      add([...path, 'logged'], 'reading component logs needs requires: [component-logs]');
    nodeSelection(c.pods?.notOn, [...path, 'pods', 'notOn']);
    if (c.pods) workload(c.pods.workload, [...path, 'pods', 'workload']);
    if (c.unschedulable) {
      workload(c.unschedulable.workload, [...path, 'unschedulable', 'workload']);
      pattern(c.unschedulable.message, [...path, 'unschedulable', 'message']);
    }
    if (c.unchanged) workload(c.unchanged.workload, [...path, 'unchanged', 'workload']);
  };
  const assertion = (
    a: { name: string; with?: Record<string, unknown> } | undefined,
    path: PropertyKey[],
  ) => {
    if (!a) return;
    const registered = registeredAssertions[a.name];
    if (!registered) {
      add(
        [...path, 'name'],
        `no registered assertion "${a.name}" (known: ${Object.keys(registeredAssertions).join(', ')})`,
      );
      return;
    }
    for (const c of registered.requires ?? [])
      if (!spec.requires.includes(c)) add([...path, 'name'], `"${a.name}" needs "${c}" listed in requires`);
    const params = registered.params.safeParse(a.with ?? {});
    if (!params.success)
      for (const issue of params.error.issues)
        for (const line of issueLines(issue, fieldPath([...path, 'with'])))
          problems.push({ path: [], message: line });
    else
      for (const m of registered.moments?.(params.data) ?? [])
        if (!moments.has(m))
          add([...path, 'with'], `no earlier condition or injection named "${m}" (as: ${m})`);
  };
  for (const [i, s] of spec.steps.entries()) {
    const at = ['steps', i];
    if (s.inject) {
      const j = s.inject;
      if (j.fault !== undefined) {
        const fault = faults[j.fault];
        if (!fault)
          add(
            [...at, 'inject', 'fault'],
            `unknown fault "${j.fault}" (known: ${Object.keys(faults).join(', ')})`,
          );
        else {
          const parsedSpec = fault.spec.safeParse(j.spec ?? {});
          if (!parsedSpec.success)
            for (const issue of parsedSpec.error.issues)
              for (const line of issueLines(issue, fieldPath([...at, 'inject', 'spec'])))
                problems.push({ path: [], message: line });
        }
      }
      if (j.capability !== undefined && !spec.requires.includes(j.capability))
        add([...at, 'inject', 'capability'], `"${j.capability}" is not listed in requires`);
      bound(j.for, [...at, 'inject', 'for']);
      bound(j.maxDuration, [...at, 'inject', 'maxDuration']);
      if (j.target.hosting !== undefined) workload(j.target.hosting, [...at, 'inject', 'target', 'hosting']);
      if (j.as !== undefined) {
        if (injected.has(j.as) || moments.has(j.as))
          add([...at, 'inject', 'as'], `"${j.as}" names an earlier injection already`);
        injected.add(j.as);
        moments.add(j.as);
      }
    }
    if (s.revert !== undefined && s.revert !== 'all' && !injected.has(s.revert))
      add([...at, 'revert'], `no earlier injection named "${s.revert}" (inject ... as: ${s.revert})`);
    bound(s.hold, [...at, 'hold']);
    bound(s.converge?.within, [...at, 'converge', 'within']);
    if (s.scale) {
      workload(s.scale.workload, [...at, 'scale', 'workload']);
      bound(s.scale.within, [...at, 'scale', 'within']);
    }
    if (s.rollout) {
      workload(s.rollout.workload, [...at, 'rollout', 'workload']);
      bound(s.rollout.within, [...at, 'rollout', 'within']);
    }
    if (s.drain) bound(s.drain.within, [...at, 'drain', 'within']);
    nodeSelection(s.cordon, [...at, 'cordon']);
    nodeSelection(s.uncordon, [...at, 'uncordon']);
    nodeSelection(s.drain?.nodes, [...at, 'drain', 'nodes']);
    if (s.deletePods) workload(s.deletePods.workload, [...at, 'deletePods', 'workload']);
    pattern(s.apply?.refused, [...at, 'apply', 'refused']);
    condition(s.wait, [...at, 'wait']);
    assertion(s.assert, [...at, 'assert']);
  }
  const declared = spec.monitors.checks;
  for (const [i, e] of spec.expectations.entries()) {
    const at = ['expectations', i];
    if (e.monitor) {
      if (declared.length === 0) add([...at, 'monitor'], 'no monitors declared (monitors.checks)');
      else if (
        e.monitor.check !== 'all' &&
        !declared.includes(e.monitor.check) &&
        !declared.includes('default')
      )
        add(
          [...at, 'monitor', 'check'],
          `"${e.monitor.check}" is not in monitors.checks (${declared.join(', ')})`,
        );
      bound(e.monitor.breaksWithin, [...at, 'monitor', 'breaksWithin']);
      bound(e.monitor.recoversWithin, [...at, 'monitor', 'recoversWithin']);
    }
    if (e.prober) {
      if (!spec.monitors.apiProber)
        add([...at, 'prober'], 'the API prober is off (monitors.apiProber: true)');
      bound(e.prober.longestOutageAtLeast, [...at, 'prober', 'longestOutageAtLeast']);
      bound(e.prober.longestOutageAtMost, [...at, 'prober', 'longestOutageAtMost']);
    }
    if (e.load && !spec.monitors.load) add([...at, 'load'], 'no API load runs (monitors.load)');
    if (e.serviceLoad && !spec.monitors.serviceLoad)
      add([...at, 'serviceLoad'], 'no service load runs (monitors.serviceLoad)');
    condition(e.holds, [...at, 'holds']);
    assertion(e.assert, [...at, 'assert']);
    if (e.endpoints) {
      if (!spec.monitors.services.includes(e.endpoints.service))
        add(
          [...at, 'endpoints', 'service'],
          `"${e.endpoints.service}" is not watched (monitors.services: ${spec.monitors.services.join(', ') || 'none'})`,
        );
      bound(e.endpoints.settle, [...at, 'endpoints', 'settle']);
    }
  }
}

/** Each watched Service must be one the workloads bring: a Service manifest, or a zone-spread fixture's. */
function servicesDeclared(spec: ScenarioFile, manifests: Map<string, Manifest[]>, problems: Problem[]): void {
  const services = new Set([
    ...spec.workloads.filter((w) => w.fixture === 'zone-spread').map((w) => w.name),
    ...[...manifests.values()]
      .flat()
      .filter((m) => m.kind === 'Service')
      .map((m) => m.metadata.name),
  ]);
  const brought = (name: string, path: PropertyKey[]) => {
    if (!services.has(name))
      problems.push({
        path,
        message: `no workload brings a Service named "${name}" (Services: ${[...services].join(', ') || 'none'})`,
      });
  };
  for (const [i, name] of spec.monitors.services.entries()) brought(name, ['monitors', 'services', i]);
  const load = spec.monitors.serviceLoad;
  if (!load) return;
  brought(load.service, ['monitors', 'serviceLoad', 'service']);
  if (!spec.requires.includes('service-traffic'))
    problems.push({
      path: ['monitors', 'serviceLoad'],
      message: 'loading a Service needs pods that serve: requires: [service-traffic]',
    });
  if (load.from === 'inside' && load.perSecond * load.durationSeconds > maxInClusterRequests)
    problems.push({
      path: ['monitors', 'serviceLoad'],
      message: `from inside sends at most ${maxInClusterRequests} requests (perSecond x durationSeconds); its results come back through the pod log`,
    });
}

/** The manifests of a workload or apply step: inline, or read from a file relative to the scenario. */
async function manifestsOf(
  source: { manifest?: Record<string, unknown> | Record<string, unknown>[]; file?: string },
  base: string,
  path: PropertyKey[],
  problems: Problem[],
): Promise<Manifest[] | undefined> {
  let objects: unknown[];
  let where: PropertyKey[];
  if (source.manifest !== undefined) {
    objects = Array.isArray(source.manifest) ? source.manifest : [source.manifest];
    where = [...path, 'manifest'];
  } else if (source.file !== undefined) {
    where = [...path, 'file'];
    let text: string;
    try {
      text = await readFile(resolve(base, source.file), 'utf8');
    } catch (error) {
      problems.push({
        path: where,
        message: `cannot read ${source.file} (${(error as NodeJS.ErrnoException).code})`,
      });
      return undefined;
    }
    const docs = parseAllDocuments(text);
    const bad = docs.flatMap((d) => d.errors);
    if (bad.length > 0) {
      problems.push({ path: where, message: `${source.file} is not valid YAML: ${bad[0]!.message}` });
      return undefined;
    }
    objects = docs.map((d) => d.toJS()).filter((o) => o !== null && o !== undefined);
  } else return [];
  const ok: Manifest[] = [];
  for (const [i, o] of objects.entries()) {
    const m = o as Partial<Manifest> | null;
    const at = Array.isArray(source.manifest) || source.file !== undefined ? [...where, i] : where;
    if (
      typeof m !== 'object' ||
      m === null ||
      typeof m.apiVersion !== 'string' ||
      typeof m.kind !== 'string' ||
      typeof m.metadata?.name !== 'string'
    )
      problems.push({
        path: at,
        message: 'expected a Kubernetes object with apiVersion, kind and metadata.name',
      });
    else ok.push(m as Manifest);
  }
  return ok;
}
