import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AdmissionregistrationV1Api } from '@kubernetes/client-node';
import { expect } from 'chai';
import { XMLParser } from 'fast-xml-parser';
import { ExitCode } from '../src/errors.ts';
import { kubeFromFile } from '../src/kube/client.ts';
import { controllersConfig } from './helpers/check-clusters.ts';
import { gauntlet, isolatedStateDir } from './helpers/cli.ts';
import { pollUntil } from './helpers/wait.ts';

interface AllureResult {
  name: string;
  status: string;
  statusDetails?: { message?: string; trace?: string };
}

const policy = 'gauntlet-test-deny-services';

/**
 * Verdicts against a real embedded cluster whose EndpointSlice controller is off: a check the cluster fails is a
 * failure (JUnit <failure>, Allure failed, no stack); the same check refused by an admission policy is a harness
 * error (JUnit <error> with the stack, Allure broken) whose message reads "<verb> <resource> <name>: <code>
 * <reason>: <message>"; a run that tests nothing exits 5; the preflight names a tainted node.
 */
describe('verdicts: failures, errors, nothing tested, preflight', function () {
  this.timeout(600_000);
  const name = 'verdicts';
  let env: Record<string, string>;
  let state: string;
  let runs = 0;

  const run = async (args: string[]) => {
    runs += 1;
    const out = join(state, `out-${runs}`);
    const result = await gauntlet(['run', '--cluster', name, '--out', out, ...args], env, 300_000);
    const dirs = await readdir(out).catch(() => [] as string[]);
    const runDir = join(out, dirs.find((d) => !d.endsWith('.jsonl')) ?? '');
    const summary = JSON.parse(await readFile(join(runDir, 'summary.json'), 'utf8'));
    const junit = new XMLParser({ ignoreAttributes: false }).parse(
      await readFile(join(runDir, 'junit.xml'), 'utf8'),
    );
    const results = await Promise.all(
      (await readdir(join(runDir, 'allure-results')).catch(() => [] as string[]))
        .filter((f) => f.endsWith('-result.json'))
        .map(
          async (f) => JSON.parse(await readFile(join(runDir, 'allure-results', f), 'utf8')) as AllureResult,
        ),
    );
    return { ...result, runDir, summary, junit, results };
  };
  let kubeconfig = '';
  const kube = async () => kubeFromFile(kubeconfig);

  before(async () => {
    state = await isolatedStateDir();
    env = { GAUNTLET_STATE_DIR: state };
    const config = join(state, 'config.yaml');
    await writeFile(
      config,
      `apiVersion: gauntlet.dev/v1alpha1\nkind: GauntletConfig\n${controllersConfig('*,-endpointslice-controller')}`,
    );
    const up = await gauntlet(
      ['cluster', 'up', '--name', name, '--nodes-per-zone', '1', '--config', config],
      env,
    );
    expect(up.exitCode, up.stderr).to.equal(0);
    kubeconfig = /^kubeconfig: (.+)$/m.exec(up.stdout)![1]!;
  });

  after(async () => {
    if (env) await gauntlet(['cluster', 'down', '--name', name], env);
  });

  it('a check the cluster fails is a JUnit <failure> and Allure "failed" without a stack; exit 1', async () => {
    const r = await run(['--suite', 'conformance', '--grep', 'endpoint-slices']);
    expect(r.exitCode, r.stderr).to.equal(ExitCode.CheckFailed);
    expect(r.summary).to.include({ verdict: 'failed', failed: 1, broken: 0, passed: 0 });
    const testcase = r.junit.testsuites.testsuite.testcase;
    expect(testcase.failure['@_message']).to.match(/^endpoint-slices: Service gauntlet-endpoint-slices-/);
    expect(testcase.failure['#text']).to.not.match(/\n\s+at /);
    expect(testcase.error).to.equal(undefined);
    const result = r.results.find((x) => x.name === 'assess');
    expect(result?.status).to.equal('failed');
    expect(result?.statusDetails?.trace ?? '').to.not.match(/\n\s+at /);
    const categories = JSON.parse(
      await readFile(join(r.runDir, 'allure-results', 'categories.json'), 'utf8'),
    );
    expect(categories.map((c: { name: string }) => c.name)).to.include.members([
      'Cluster behaviour',
      'Harness errors',
    ]);
  });

  it('a setup the API refuses is a JUnit <error> with its stack and a readable cause, counted once; exit 1', async () => {
    const k = await kube();
    const admission = k.config.makeApiClient(AdmissionregistrationV1Api);
    await admission.createValidatingAdmissionPolicy({
      body: {
        metadata: { name: policy },
        spec: {
          failurePolicy: 'Fail',
          matchConstraints: {
            resourceRules: [
              { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['services'] },
            ],
          },
          validations: [{ expression: 'false', message: 'Services are refused here', reason: 'Forbidden' }],
        },
      },
    });
    await admission.createValidatingAdmissionPolicyBinding({
      body: {
        metadata: { name: policy },
        spec: {
          policyName: policy,
          validationActions: ['Deny'],
          matchResources: {
            namespaceSelector: {
              matchExpressions: [
                { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system'] },
              ],
            },
          },
        },
      },
    });
    // The policy takes effect once the apiserver has loaded it: nothing to watch, so a refused create is the sign.
    await pollUntil(
      'the admission policy to refuse a Service',
      async () =>
        k.core
          .createNamespacedService({
            namespace: 'default',
            body: { metadata: { name: 'vap-probe' }, spec: { ports: [{ port: 80 }] } },
          })
          .then(
            async () => {
              await k.core.deleteNamespacedService({ namespace: 'default', name: 'vap-probe' });
              return undefined;
            },
            (error: Error) => error,
          ),
      30_000,
      250,
    );
    try {
      const r = await run(['--suite', 'conformance', '--grep', 'endpoint-slices']);
      expect(r.exitCode, r.stderr).to.equal(ExitCode.CheckFailed);
      expect(r.summary).to.include({ verdict: 'broken', failed: 0, broken: 1, passed: 0 });
      const [t] = r.summary.tests;
      expect(t.error).to.match(
        /^create Service gauntlet-endpoint-slices-[\w-]+\/\w+: 403 Forbidden: .*Services are refused here/,
      );
      expect(t.hook).to.equal('"before all" hook');
      const testcase = r.junit.testsuites.testsuite.testcase;
      expect(testcase.error['@_message']).to.match(/^"before all" hook: create Service /);
      expect(testcase.error['#text'], 'the stack').to.match(/\n\s+at /);
      expect(r.stderr).to.not.contain('HTTP-Code');
      expect(r.stderr).to.not.contain('Unknown API Status Code');
    } finally {
      await admission.deleteValidatingAdmissionPolicyBinding({ name: policy });
      await admission.deleteValidatingAdmissionPolicy({ name: policy });
    }
  });

  it('a --grep that matches nothing exits 5 "nothing was tested", unless --allow-empty', async () => {
    const r = await run(['--suite', 'conformance', '--grep', 'no-such-check-anywhere']);
    expect(r.exitCode, r.stderr).to.equal(ExitCode.NothingTested);
    expect(r.summary.verdict).to.equal('nothing-tested');
    expect(r.stderr).to.match(
      /nothing was tested \(no test matched --grep "no-such-check-anywhere"\): exit 5/,
    );
    const allowed = await run([
      '--suite',
      'conformance',
      '--grep',
      'no-such-check-anywhere',
      '--allow-empty',
    ]);
    expect(allowed.exitCode, allowed.stderr).to.equal(ExitCode.Passed);
  });

  it('a run whose every test is skipped exits 5, each skip with its reason in console, JUnit and summary.json', async () => {
    // On a cluster with one apiserver, the HA-only control-plane scenario skips, saying why.
    const reason = 'ha-control-plane: the embedded cluster has one apiserver; run with --ha';
    const r = await run(['--suite', 'chaos', '--grep', 'with 3 apiservers']);
    expect(r.exitCode, r.stderr).to.equal(ExitCode.NothingTested);
    expect(r.summary.skipped).to.equal(1);
    expect(r.summary.tests[0]).to.include({
      state: 'skipped',
      reason: reason,
    });
    expect(r.junit.testsuites.testsuite.testcase.skipped['@_message']).to.equal(
      'the cluster has one apiserver; run with --ha',
    );
    expect(r.stderr).to.contain('skipped 1 (the cluster has one apiserver; run with --ha)');
    const result = r.results.find((x) => x.status === 'skipped');
    expect(result?.statusDetails?.message).to.equal('skipped: the cluster has one apiserver; run with --ha');
  });

  it('the preflight names a tainted node before the suites start, and records it in summary.json', async () => {
    const k = await kube();
    const node = (await k.core.listNode()).items[0]!;
    const nodeName = node.metadata!.name!;
    const taint = { key: 'example.com/broken', value: 'yes', effect: 'NoSchedule' };
    await k.core.patchNode({
      name: nodeName,
      body: [{ op: 'add', path: '/spec/taints', value: [...(node.spec?.taints ?? []), taint] }],
    });
    try {
      const r = await run(['--suite', 'conformance', '--grep', 'no-such-check-anywhere', '--allow-empty']);
      const finding = `node ${nodeName}: tainted example.com/broken=yes:NoSchedule`;
      expect(r.stderr).to.contain('preflight: the cluster looks unwell');
      expect(r.stderr).to.contain(finding);
      expect(r.summary.preflight).to.include(finding);
    } finally {
      await k.core.patchNode({
        name: nodeName,
        body: [{ op: 'replace', path: '/spec/taints', value: node.spec?.taints ?? [] }],
      });
    }
  });

  it('fault inject --dry-run refuses what the real run refuses, with the same exit code, and neither leaves a run directory', async () => {
    // Through --kubeconfig the embedded cluster is a cluster the harness does not run: zone-loss cannot act on it.
    const out = join(state, 'out-faults');
    const args = [
      'fault',
      'inject',
      'zone-loss',
      '--kubeconfig',
      kubeconfig,
      '--zone',
      'us-east-1a',
      '--for',
      '1',
      '--out',
      out,
    ];
    const dry = await gauntlet([...args, '--dry-run'], env);
    const real = await gauntlet(args, env);
    expect(dry.exitCode, dry.stderr).to.equal(ExitCode.Usage);
    expect(real.exitCode, real.stderr).to.equal(ExitCode.Usage);
    expect(dry.stderr).to.contain('zone-loss acts on zones of the embedded cluster');
    expect(dry.stdout).to.not.contain('dry run:');
    expect(await readdir(out).catch(() => [])).to.deep.equal([]);
  });
});
