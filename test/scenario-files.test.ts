import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse, stringify } from 'yaml';
import { buildProgram } from '../app/cli/program.ts';
import { ExitCode } from '../src/errors.ts';
import { kubeFromFile } from '../src/kube/client.ts';
import { BoundError, checkBound, evaluateBound } from '../src/model/bound-expression.ts';
import { gauntlet, isolatedStateDir } from './helpers/cli.ts';

// biome-ignore lint/suspicious/noExplicitAny: a YAML document the tests edit freely
type Doc = any;

const fixtures = join(import.meta.dirname, 'fixtures', 'scenarios');
const passing = join(fixtures, 'user-passes.yaml');
const failing = join(fixtures, 'user-fails.yaml');

describe('scenario files: bounds', () => {
  const values = { grace: 20, monitorPeriod: 2, nodesPerZone: 3 };
  it('evaluates durations and expressions over the timings, in seconds', () => {
    expect(evaluateBound('grace + 5s', values)).to.equal(25);
    expect(evaluateBound('(nodesPerZone - 1) * 10s + 500ms', values)).to.equal(20.5);
    expect(evaluateBound('2m - grace / 2', values)).to.equal(110);
    expect(evaluateBound(7, values)).to.equal(7);
  });
  it('refuses unknown names, bad syntax and negative results, naming them', () => {
    expect(() => checkBound('grace + gracee')).to.throw(BoundError, 'unknown name "gracee"');
    expect(() => checkBound('grace +')).to.throw(BoundError, 'ends where a value was expected');
    expect(() => checkBound('process.exit()')).to.throw(BoundError, 'unexpected "."');
    expect(() => checkBound('(grace')).to.throw(BoundError, 'missing ")"');
    expect(() => evaluateBound('5s - grace', values)).to.throw(BoundError, 'must be 0 s or more');
    expect(() => evaluateBound('grace', {})).to.throw(BoundError, '"grace" is not known for this cluster');
  });
});

describe('scenario files: refused before anything is created', () => {
  let env: Record<string, string>;
  let state: string;
  before(async () => {
    state = await isolatedStateDir();
    env = { GAUNTLET_STATE_DIR: state };
  });

  /** The passing fixture with one change, written beside the fixtures (so its relative file still resolves). */
  async function broken(change: (doc: Doc) => void): Promise<string> {
    const doc = parse(await readFile(passing, 'utf8'));
    change(doc);
    const dir = await isolatedStateDir();
    const file = join(dir, 'broken.yaml');
    await writeFile(
      join(dir, 'extra-deployment.yaml'),
      await readFile(join(fixtures, 'extra-deployment.yaml')),
    );
    await writeFile(file, stringify(doc));
    return file;
  }

  const cases: [string, (doc: Doc) => void, RegExp][] = [
    ['an unknown field', (d) => (d.steps[1].wait.whithin = '5s'), /steps\[1\]\.wait\.whithin: unknown field/],
    ['an unknown capability', (d) => d.requires.push('time-travel'), /requires\[1\]: Invalid option/],
    [
      'a bound naming an unknown timing',
      (d) => (d.steps[2].scale.within = 'grace + gracePeriod'),
      /steps\[2\]\.scale\.within: unknown name "gracePeriod" in "grace \+ gracePeriod"/,
    ],
    [
      'a step naming a missing workload',
      (d) => (d.steps[0].deletePods.workload = 'api'),
      /steps\[0\]\.deletePods\.workload: no workload named "api" \(declared: web, config, extra\)/,
    ],
    [
      'an unknown fault',
      (d) => (d.steps[4].inject = { fault: 'meteor' }),
      /steps\[4\]\.inject\.fault: unknown fault "meteor"/,
    ],
    [
      'a capability the file does not require',
      (d) => (d.requires = ['real-nodes']),
      /steps\[4\]\.inject\.capability: "zone-loss" is not listed in requires/,
    ],
    [
      'a refused apply whose pattern is no regular expression',
      (d) => (d.steps.at(-2).apply.refused = 'already (exists'),
      /steps\[8\]\.apply\.refused: not a regular expression/,
    ],
    [
      'an unchanged condition naming a missing workload',
      (d) => (d.steps.at(-1).wait.unchanged.workload = 'gone'),
      /steps\[9\]\.wait\.unchanged\.workload: no workload named "gone"/,
    ],
    [
      'a node selection naming an injection that does not exist',
      (d) => (d.steps[6].cordon.targetOf = 'zone'),
      /steps\[6\]\.cordon\.targetOf: no earlier injection named "zone"/,
    ],
    [
      'a since naming no earlier moment',
      (d) => (d.steps[1].wait.since = 'later'),
      /steps\[1\]\.wait\.since: no earlier condition or injection named "later"/,
    ],
    [
      'a watched Service no workload brings',
      (d) => (d.monitors.services = ['api']),
      /monitors\.services\[0\]: no workload brings a Service named "api"/,
    ],
    [
      'a log line read without requiring component-logs',
      (d) =>
        (d.steps[5].wait = { logged: { component: 'kube-controller-manager', message: 'x' }, within: '5s' }),
      /steps\[5\]\.wait\.logged: reading component logs needs requires: \[component-logs\]/,
    ],
    [
      'a registered assertion naming a moment the file never names',
      (d) =>
        d.steps.push({ assert: { name: 'no-eviction-in-disruption-mode', with: { entered: 'entered' } } }),
      /steps\[10\]\.assert\.with: no earlier condition or injection named "entered"/,
    ],
    [
      'a service load without requiring service-traffic',
      (d) => (d.monitors.serviceLoad = { service: 'web' }),
      /monitors\.serviceLoad: loading a Service needs pods that serve: requires: \[service-traffic\]/,
    ],
    [
      'a service-load expectation without a service load',
      (d) => (d.expectations = [{ serviceLoad: { verdict: 'passed' } }]),
      /expectations\[0\]\.serviceLoad: no service load runs \(monitors\.serviceLoad\)/,
    ],
    [
      'a registered assertion reading EC2 without requiring aws',
      (d) => d.steps.push({ assert: { name: 'ec2-network-restored' } }),
      /steps\[10\]\.assert\.name: "ec2-network-restored" needs "aws" listed in requires/,
    ],
  ];
  for (const [what, change, message] of cases) {
    it(`${what}: exit 2 naming the field, no run directory, no cluster`, async () => {
      const file = await broken(change);
      const out = await isolatedStateDir();
      const run = await gauntlet(['run', '--scenario', file, '--out', out], env);
      expect(run.exitCode, run.stderr).to.equal(ExitCode.Usage);
      expect(run.stderr).to.match(message);
      expect(await readdir(out), 'run directories').to.deep.equal([]);
      expect(await readdir(state).catch(() => []), 'state (clusters)').to.deep.equal([]);
      const validate = await gauntlet(['scenario', 'validate', file], env);
      expect(validate.exitCode).to.equal(ExitCode.Usage);
      expect(validate.stderr).to.match(message);
    });
  }

  it('the library and the fixtures validate', async () => {
    const library = join(import.meta.dirname, '..', 'suites', 'chaos', 'library');
    const files = [...(await readdir(library)).map((f) => join(library, f)), passing, failing];
    const result = await gauntlet(['scenario', 'validate', ...files], env);
    expect(result.exitCode, result.stderr).to.equal(0);
    expect(result.stdout.match(/: valid/g)).to.have.length(files.length);
  });

  it("the README's full example is a valid scenario", async () => {
    const readme = await readFile(join(import.meta.dirname, '..', 'README.md'), 'utf8');
    const example = readme.match(/```yaml\n(# yaml-language-server[\s\S]*?)```/)?.[1];
    expect(example, 'the example in the README').to.be.a('string');
    const dir = await isolatedStateDir();
    await writeFile(join(dir, 'example.yaml'), example!);
    await writeFile(join(dir, 'extra.yaml'), await readFile(join(fixtures, 'extra-deployment.yaml')));
    const result = await gauntlet(['scenario', 'validate', join(dir, 'example.yaml')], env);
    expect(result.exitCode, result.stderr).to.equal(0);
  });

  it('docs/scenario.schema.json is the schema this build generates', async () => {
    const result = await gauntlet(['scenario', 'schema'], env);
    const committed = await readFile(join(import.meta.dirname, '..', 'docs', 'scenario.schema.json'), 'utf8');
    expect(result.stdout, 'regenerate: gauntlet scenario schema > docs/scenario.schema.json').to.equal(
      committed.trimEnd(),
    );
    expect(JSON.parse(committed).properties.requires.items.enum).to.include('zone-loss');
  });

  it('scenario list: the embedded cluster runs what it has; a --kubeconfig cluster says why not, per capability', async () => {
    const embedded = await gauntlet(['scenario', 'list'], env);
    expect(embedded.exitCode, embedded.stderr).to.equal(0);
    expect(embedded.stdout).to.match(/^runs +zone-loss/m);
    expect(embedded.stdout).to.match(/^runs +apiserver-kill-single/m);
    expect(embedded.stdout).to.match(
      /^skipped apiserver-kill-ha .*ha-control-plane: the embedded cluster has one apiserver; run with --ha$/m,
    );
    const ha = await gauntlet(['scenario', 'list', '--ha'], env);
    expect(ha.stdout).to.match(/^runs +apiserver-kill-ha/m);
    expect(ha.stdout).to.match(/^skipped apiserver-kill-single .*ha-control-plane: this cluster has it/m);
    const other = await gauntlet(['scenario', 'list', '--kubeconfig', join(state, 'peer.kubeconfig')], env);
    expect(other.exitCode, other.stderr).to.equal(0);
    expect(other.stdout).to.contain(
      'skipped zone-loss [zone-loss]: zone-loss: this cluster has no aws section and is not embedded; add `aws:` to the config or use the embedded cluster',
    );
    expect(other.stdout).not.to.match(/^runs/m);
  });

  it('scenario show: the tests and the mechanism each capability takes, or why it is missing', async () => {
    const zoneLoss = join(import.meta.dirname, '..', 'suites', 'chaos', 'library', 'zone-loss.yaml');
    const here = await gauntlet(['scenario', 'show', zoneLoss], env);
    expect(here.exitCode, here.stderr).to.equal(0);
    expect(here.stdout).to.contain(
      "requires zone-loss: the zone's simulated kubelets frozen (kwok SIGSTOP) (fault zone-loss)",
    );
    expect(here.stdout).to.contain('  stateless pods come back in the surviving zones');
    const there = await gauntlet(
      ['scenario', 'show', zoneLoss, '--kubeconfig', join(state, 'peer.kubeconfig')],
      env,
    );
    expect(there.stdout).to.contain(
      'requires zone-loss: MISSING (zone-loss: this cluster has no aws section',
    );
  });

  it('the scenario command is in the program', () => {
    const scenario = buildProgram().commands.find((c) => c.name() === 'scenario');
    expect(scenario?.commands.map((c) => c.name())).to.deep.equal([
      'list',
      'validate',
      'show',
      'run',
      'schema',
    ]);
  });
});

describe('scenario files on the embedded cluster', function () {
  this.timeout(600_000);
  const name = 'scn-files';
  let env: Record<string, string>;
  let kubeconfig: string;
  before(async () => {
    env = { GAUNTLET_STATE_DIR: await isolatedStateDir() };
    const up = await gauntlet(['cluster', 'up', '--name', name], env, 300_000);
    expect(up.exitCode, up.stderr).to.equal(0);
    kubeconfig = up.stdout.match(/^kubeconfig: (\S+)$/m)?.[1] ?? '';
    expect(kubeconfig, up.stdout).to.not.equal('');
  });
  after(async () => {
    await gauntlet(['cluster', 'down', '--name', name], env);
  });

  async function run(file: string) {
    const out = await isolatedStateDir();
    const result = await gauntlet(['scenario', 'run', file, '--cluster', name, '--out', out], env, 400_000);
    const [runId] = await readdir(out);
    const runDir = join(out, runId!);
    const summary = JSON.parse(await readFile(join(runDir, 'summary.json'), 'utf8')) as {
      tests: { title: string; state: string; error?: string }[];
    };
    return { result, runDir, summary, junit: await readFile(join(runDir, 'junit.xml'), 'utf8') };
  }

  it('scenario list --cluster names the running cluster and what runs on it', async () => {
    const list = await gauntlet(['scenario', 'list', '--cluster', name], env);
    expect(list.exitCode, list.stderr).to.equal(0);
    expect(list.stdout).to.contain(`scenarios on embedded cluster ${name}`);
    expect(list.stdout).to.match(/^runs +zone-loss/m);
  });

  it("a user's scenario written only in YAML runs end to end and passes, with its timeline", async () => {
    const { result, runDir, summary } = await run(passing);
    expect(result.exitCode, `${result.stdout}\n${result.stderr}`).to.equal(ExitCode.Passed);
    expect(summary.tests.map((t) => [t.title, t.state])).to.deep.equal([
      ['deleted pods are replaced and the workload scales', 'passed'],
      ['a zone frozen for less than the grace period leaves every node Ready', 'passed'],
      ['a second object of the same name is refused, and the workload is left the very same', 'passed'],
    ]);
    const timeline = JSON.parse(await readFile(join(runDir, 'timelines', 'user-self-healing.json'), 'utf8'));
    expect(timeline.faults).to.have.length(1);
    expect(timeline.faults[0].revertedAt).to.be.greaterThan(timeline.faults[0].injectedAt);
    expect(timeline.marks.map((m: { what: string }) => m.what).join('\n')).to.match(
      /web back to 3 ready pods in \d+ ms/,
    );
    expect(await readFile(join(runDir, 'ledger.jsonl'), 'utf8').catch(() => '')).to.not.match(/"pending"/);
  });

  it('a refused file against a running cluster exits 2 and creates nothing there (no namespace, no run dir)', async () => {
    const doc = parse(await readFile(passing, 'utf8'));
    doc.steps[0].deletePods.workload = 'missing';
    const dir = await isolatedStateDir();
    await writeFile(
      join(dir, 'extra-deployment.yaml'),
      await readFile(join(fixtures, 'extra-deployment.yaml')),
    );
    const file = join(dir, 'bad.yaml');
    await writeFile(file, stringify(doc));
    const kube = kubeFromFile(kubeconfig);
    const namespaces = async () =>
      (await kube.core.listNamespace()).items.map((n) => n.metadata!.name!).sort();
    const before = await namespaces();
    const out = await isolatedStateDir();
    const result = await gauntlet(['scenario', 'run', file, '--cluster', name, '--out', out], env);
    expect(result.exitCode, result.stderr).to.equal(ExitCode.Usage);
    expect(result.stderr).to.contain('steps[0].deletePods.workload: no workload named "missing"');
    expect(await readdir(out)).to.deep.equal([]);
    // Nothing new: a namespace of an earlier test may still be finishing its deletion meanwhile.
    const after = await namespaces();
    expect(
      after.filter((n) => !before.includes(n)),
      'namespaces the refused file created',
    ).to.deep.equal([]);
  });

  it('a scenario needing what the cluster lacks is skipped with the reason, nothing injected', async () => {
    const doc = parse(await readFile(failing, 'utf8'));
    doc.requires.push('real-nodes');
    const file = join(await isolatedStateDir(), 'needs-real-nodes.yaml');
    await writeFile(file, stringify(doc));
    const { result, summary, junit, runDir } = await run(file);
    expect(result.exitCode, result.stderr).to.equal(ExitCode.NothingTested);
    expect(summary.tests.map((t) => t.state)).to.deep.equal(['skipped']);
    const reason = 'real-nodes: the embedded cluster has simulated nodes only; add --real-nodes N';
    expect((summary.tests[0] as { reason?: string }).reason).to.equal(reason);
    expect(junit).to.contain(`<skipped message="${reason}"`);
    expect(await readdir(join(runDir, 'timelines')).catch(() => []), 'timelines').to.deep.equal([]);
  });

  it('through --kubeconfig (a cluster the harness did not make) the scenarios are skipped with their reasons, none crashes', async () => {
    const out = await isolatedStateDir();
    const result = await gauntlet(
      [
        'run',
        '--kubeconfig',
        kubeconfig,
        '--suite',
        'chaos',
        '--scenario',
        passing,
        '--out',
        out,
        '--allow-empty',
      ],
      env,
      400_000,
    );
    expect(result.exitCode, `${result.stdout}\n${result.stderr}`).to.equal(ExitCode.Passed);
    const [runId] = await readdir(out);
    const summary = JSON.parse(await readFile(join(out, runId!, 'summary.json'), 'utf8')) as {
      tests: { suite: string; title: string; state: string; reason?: string }[];
    };
    const of = (suite: string) => summary.tests.filter((t) => t.suite === suite);
    expect(of('[Chaos][Zone] zone loss').map((t) => [t.state, t.reason])).to.deep.equal(
      new Array(4).fill([
        'skipped',
        'zone-loss: this cluster has no aws section and is not embedded; add `aws:` to the config or use the embedded cluster',
      ]),
    );
    expect(of("[Scenario] a user's self-healing scenario").map((t) => t.state)).to.deep.equal([
      'skipped',
      'skipped',
      'skipped',
    ]);
    expect(summary.tests.filter((t) => t.state !== 'skipped').map((t) => t.title)).to.deep.equal([]);
  });

  it('an expectation the cluster cannot meet is a JUnit failure, and the fault is reverted', async () => {
    const { result, summary, junit, runDir } = await run(failing);
    expect(result.exitCode, result.stderr).to.equal(ExitCode.CheckFailed);
    expect(summary.tests).to.have.length(1);
    expect(summary.tests[0]!.state).to.equal('failed');
    expect(summary.tests[0]!.error).to.match(/expectations\[0\]: [\s\S]*Ready=Unknown/);
    // The pods off the frozen zone were scaled away: the Service had none of the 2 it had to keep, for seconds.
    expect(summary.tests[0]!.error).to.match(
      /expectations\[1\]: Service web: expected never fewer ready endpoints than it had off the nodes under a fault, saw 0 ready endpoints \(at least 2\) for \d+ ms/,
    );
    expect(junit).to.match(/<failure[^>]*>/);
    const timeline = JSON.parse(await readFile(join(runDir, 'timelines', 'user-impossible.json'), 'utf8'));
    expect(timeline.faults[0].revertedAt, 'reverted').to.be.a('number');
  });
});
