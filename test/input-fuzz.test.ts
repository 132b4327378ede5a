import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { parseSpec } from '../faults/engine/fault-engine.ts';
import { faults } from '../faults/registry.ts';
import { validateConfig } from '../src/config/load.ts';
import { ConfigError, ExitCode } from '../src/errors.ts';
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

const valuePaths = pathsOf(fullConfig);
const valueAt = (path: (string | number)[]) =>
  path.reduce<unknown>((v, key) => (v as Record<string | number, unknown>)[key], fullConfig);
const sectionPaths = valuePaths.filter((p) => {
  const v = valueAt(p);
  return v !== null && typeof v === 'object' && !Array.isArray(v);
});

/** A valid config with one thing wrong or odd: a value swapped, a field dropped or an unknown one added. */
const mutatedConfig = fc
  .record({
    pathIndex: fc.nat(),
    replacement: fc.option(fc.jsonValue() as fc.Arbitrary<Json>, { nil: undefined }),
    extraKey: fc.option(fc.string({ minLength: 1, maxLength: 12 }), { nil: undefined }),
  })
  .map(({ pathIndex, replacement, extraKey }) => {
    if (extraKey === undefined) {
      const path = valuePaths[pathIndex % valuePaths.length] ?? [];
      return withValueAt(fullConfig, path, replacement);
    }
    const section = sectionPaths[pathIndex % sectionPaths.length] ?? [];
    return withValueAt(fullConfig, [...section, extraKey], replacement ?? null);
  });

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
  });
});
