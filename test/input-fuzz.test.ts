import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { parseSpec } from '../faults/engine/fault-engine.ts';
import { faults } from '../faults/registry.ts';
import { validateConfig } from '../src/config/load.ts';
import { ConfigError, ExitCode } from '../src/errors.ts';
import { loadScenario } from '../suites/scenarios/load-scenario.ts';
import { gauntlet, isolatedStateDir } from './helpers/cli.ts';

const header = { apiVersion: 'gauntlet.dev/v1alpha1', kind: 'GauntletConfig' };
/** The default configuration with every field spelled out: the mutations below start from a valid whole. */
const fullConfig = validateConfig(header, 'defaults') as unknown as Record<string, unknown>;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every path to a value inside a JSON document ([] is the document itself). */
function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const here = [prefix];
  if (Array.isArray(value)) return here.concat(value.flatMap((v, i) => pathsOf(v, [...prefix, i])));
  if (value && typeof value === 'object')
    return here.concat(Object.entries(value).flatMap(([k, v]) => pathsOf(v, [...prefix, k])));
  return here;
}

/** A copy of doc with the value at path replaced (or removed when replacement is undefined). */
function withValueAt(doc: unknown, path: (string | number)[], replacement: Json | undefined): unknown {
  if (path.length === 0) return replacement;
  const copy = structuredClone(doc) as Record<string | number, unknown>;
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path.at(-1) as string | number;
  if (replacement === undefined) delete parent[last];
  else parent[last] = replacement;
  return copy;
}

/** A valid document with one thing wrong or odd: a value swapped, a field dropped or an unknown one added. */
function mutationsOf(doc: unknown): fc.Arbitrary<unknown> {
  const valuePaths = pathsOf(doc);
  const valueAt = (path: (string | number)[]) =>
    path.reduce<unknown>((v, key) => (v as Record<string | number, unknown>)[key], doc);
  const sectionPaths = valuePaths.filter((p) => {
    const v = valueAt(p);
    return v !== null && typeof v === 'object' && !Array.isArray(v);
  });
  return fc
    .record({
      pathIndex: fc.nat(),
      replacement: fc.option(fc.jsonValue() as fc.Arbitrary<Json>, { nil: undefined }),
      extraKey: fc.option(fc.string({ minLength: 1, maxLength: 12 }), { nil: undefined }),
    })
    .map(({ pathIndex, replacement, extraKey }) => {
      if (extraKey === undefined) {
        const path = valuePaths[pathIndex % valuePaths.length] ?? [];
        return withValueAt(doc, path, replacement);
      }
      const section = sectionPaths[pathIndex % sectionPaths.length] ?? [];
      return withValueAt(doc, [...section, extraKey], replacement ?? null);
    });
}

const mutatedConfig = mutationsOf(fullConfig);
const anyConfig = fc.oneof(fc.jsonValue(), mutatedConfig);

/** A field path as fieldPath writes it: names joined by dots, [index], ["quoted key"], or (top level). */
const segment = String.raw`(?:[A-Za-z_][\w-]*|\[\d+\]|\["(?:[^"\\]|\\.)*"\])`;
const pathPattern = String.raw`(?:\(top level\)|${segment}(?:\.?${segment})*)`;

/** A refusal names a field path (or the document as a whole) and what was expected, in one line per field. */
function expectNamedRefusal(error: unknown, source: string) {
  expect(error, String(error)).to.be.instanceOf(ConfigError);
  const refusal = error as ConfigError;
  expect(refusal.exitCode).to.equal(ExitCode.Usage);
  expect(refusal.message).to.contain(source);
  const lines = refusal.message.split('\n').slice(1);
  expect(lines, refusal.message).to.not.be.empty;
  for (const line of lines) expect(line, refusal.message).to.match(new RegExp(`^ {2}- ${pathPattern}: \\S`));
}

/** Whether a parser refuses the input: the CLI samples take only those, so nothing is ever started. */
const refusedBy =
  (parse: (raw: unknown) => unknown) =>
  (raw: unknown): boolean => {
    try {
      parse(raw);
      return false;
    } catch {
      return true;
    }
  };
const refusedConfig = refusedBy((raw) => validateConfig(raw, 'fuzz.yaml'));

describe('bad input, fuzzed: accepted, or refused naming the field', () => {
  it('the config parser accepts or refuses any document, naming each bad field path', () => {
    fc.assert(
      fc.property(anyConfig, (raw) => {
        try {
          validateConfig(raw, 'fuzz.yaml');
        } catch (error) {
          expectNamedRefusal(error, 'fuzz.yaml');
        }
      }),
      { numRuns: 400 },
    );
  });

  it("every fault's spec parser accepts or refuses any JSON, naming spec.<field>", () => {
    for (const fault of Object.values(faults)) {
      fc.assert(
        fc.property(fc.jsonValue(), (raw) => {
          try {
            parseSpec(fault, raw);
          } catch (error) {
            expect(error, String(error)).to.be.instanceOf(ConfigError);
            expect((error as Error).message).to.match(
              new RegExp(`^fault ${fault.kind}: invalid spec: ${pathPattern}: \\S`),
            );
          }
        }),
        { numRuns: 100 },
      );
    }
  });

  it('the scenario loader accepts or refuses any mutation of the library and fixture files, naming each bad field path', async () => {
    const library = join(import.meta.dirname, '..', 'suites', 'chaos', 'library');
    const fixtures = join(import.meta.dirname, 'fixtures', 'scenarios');
    const sources = [
      ...(await readdir(library)).map((f) => join(library, f)),
      ...['user-passes.yaml', 'user-fails.yaml', 'service-under-pod-loss.yaml'].map((f) => join(fixtures, f)),
    ];
    const dir = await mkdtemp(join(tmpdir(), 'gauntlet-scenario-fuzz-'));
    try {
      // A file workload's manifests are read relative to the scenario: the fixtures' one sits beside them.
      await writeFile(
        join(dir, 'extra-deployment.yaml'),
        await readFile(join(fixtures, 'extra-deployment.yaml')),
      );
      const file = join(dir, 'fuzz.yaml');
      for (const source of sources) {
        const doc = parse(await readFile(source, 'utf8')) as unknown;
        await fc.assert(
          fc.asyncProperty(
            fc.oneof({ weight: 1, arbitrary: fc.jsonValue() }, { weight: 9, arbitrary: mutationsOf(doc) }),
            async (raw) => {
              await writeFile(file, stringify(raw) ?? ''); // undefined: the document removed
              try {
                await loadScenario(file);
              } catch (error) {
                expectNamedRefusal(error, file);
              }
            },
          ),
          { numRuns: 100 },
        );
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  describe('through the CLI: exit 2, no stack trace, nothing started', function () {
    this.timeout(180_000);
    let dir: string;
    let stateDir: string;

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'gauntlet-fuzz-'));
      stateDir = await isolatedStateDir();
    });
    after(() => rm(dir, { recursive: true, force: true }));

    it('cluster up with a refused config file', async () => {
      // Only inputs the parser refuses: an accepted one would start a cluster, which is not this test's subject.
      const samples = fc.sample(anyConfig.filter(refusedConfig), { numRuns: 5, seed: 2026 });
      for (const [i, raw] of samples.entries()) {
        const file = join(dir, `config-${i}.yaml`);
        await writeFile(file, stringify(raw));
        const up = await gauntlet(['cluster', 'up', '-c', file, '--name', `fuzz-${i}`], {
          GAUNTLET_STATE_DIR: stateDir,
        });
        expect(up.exitCode, up.stderr).to.equal(ExitCode.Usage);
        expect(up.stderr)
          .to.contain(file)
          .and.not.match(/^\s+at /m);
      }
      expect(await readdir(stateDir), 'nothing under the state directory').to.deep.equal([]);
    });

    it('fault inject with a refused --spec', async () => {
      const out = join(dir, 'runs');
      for (const kind of ['etcd-pressure', 'control-plane-kill', 'runtime-hang']) {
        const fault = faults[kind];
        if (!fault) throw new Error(`no fault ${kind} in the registry`);
        const refused = refusedBy((raw) => parseSpec(fault, raw));
        const [sample] = fc.sample(fc.object().filter(refused), { numRuns: 1, seed: kind.length });
        const spec = JSON.stringify(sample);
        const injected = await gauntlet(
          ['fault', 'inject', kind, '--spec', spec, '--cluster', 'fuzz', '--all', '--out', out],
          { GAUNTLET_STATE_DIR: stateDir },
        );
        expect(injected.exitCode, injected.stderr).to.equal(ExitCode.Usage);
        expect(injected.stderr)
          .to.contain(`fault ${kind}: invalid spec: spec`)
          .and.not.match(/^\s+at /m);
      }
      expect(existsSync(out), 'no run directory, so no ledger').to.equal(false);
      expect(await readdir(stateDir), 'no ledger pointer').to.deep.equal([]);
    });

    it('run --scenario with a refused scenario file', async () => {
      // The user's passing fixture would provision a cluster and run: only mutations the loader refuses are run.
      const fixtures = join(import.meta.dirname, 'fixtures', 'scenarios');
      const doc = parse(await readFile(join(fixtures, 'user-passes.yaml'), 'utf8')) as unknown;
      const out = join(dir, 'scenario-runs');
      await writeFile(
        join(dir, 'extra-deployment.yaml'),
        await readFile(join(fixtures, 'extra-deployment.yaml')),
      );
      let run = 0;
      for (const raw of fc.sample(mutationsOf(doc), { numRuns: 40, seed: 2026 })) {
        if (run === 3) break;
        const file = join(dir, `scenario-${run}.yaml`);
        await writeFile(file, stringify(raw) ?? '');
        const refused = await loadScenario(file).then(
          () => false,
          () => true,
        );
        if (!refused) continue;
        run++;
        const result = await gauntlet(['run', '--scenario', file, '--out', out], {
          GAUNTLET_STATE_DIR: stateDir,
        });
        expect(result.exitCode, result.stderr).to.equal(ExitCode.Usage);
        expect(result.stderr)
          .to.contain('invalid scenario')
          .and.not.match(/^\s+at /m);
      }
      expect(run, 'refused samples run').to.equal(3);
      expect(existsSync(out), 'no run directory').to.equal(false);
      expect(await readdir(stateDir), 'no cluster').to.deep.equal([]);
    });
  });
});
