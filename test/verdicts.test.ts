import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  AdmissionregistrationV1Api,
  type V1ValidatingAdmissionPolicyBindingSpec,
} from '@kubernetes/client-node';
import { expect } from 'chai';
import { XMLParser } from 'fast-xml-parser';
import { ExitCode } from '../src/errors.ts';
import { type Kube, kubeFromFile } from '../src/kube/client.ts';
import { watchUntil } from '../src/kube/watch-until.ts';
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
 * A ValidatingAdmissionPolicy and its binding that deny `operation` on core `resource` where `expression` is
 * false, with `message`; returns what removes both.
 */
async function denyByPolicy(
  k: Kube,
  name: string,
  rule: {
    operation: 'CREATE' | 'DELETE';
    resource: string;
    expression: string;
    message: string;
    matchResources?: V1ValidatingAdmissionPolicyBindingSpec['matchResources'];
  },
): Promise<() => Promise<void>> {
  const admission = k.config.makeApiClient(AdmissionregistrationV1Api);
  await admission.createValidatingAdmissionPolicy({
    body: {
      metadata: { name },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          resourceRules: [
            {
              apiGroups: [''],
              apiVersions: ['v1'],
              operations: [rule.operation],
              resources: [rule.resource],
            },
          ],
        },
        validations: [{ expression: rule.expression, message: rule.message, reason: 'Forbidden' }],
      },
    },
  });
  await admission.createValidatingAdmissionPolicyBinding({
    body: {
      metadata: { name },
      spec: {
        policyName: name,
        validationActions: ['Deny'],
        ...(rule.matchResources ? { matchResources: rule.matchResources } : {}),
      },
    },
  });
  return async () => {
    await admission.deleteValidatingAdmissionPolicyBinding({ name });
    await admission.deleteValidatingAdmissionPolicy({ name });
  };
}

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

  /** A run on the cluster, its GitHub step summary written to stepSummary. */
  const run = async (args: string[]) => {
    runs += 1;
    const out = join(state, `out-${runs}`);
    const stepSummary = join(state, `step-summary-${runs}.md`);
    const result = await gauntlet(
      ['run', '--cluster', name, '--out', out, ...args],
      { ...env, GITHUB_STEP_SUMMARY: stepSummary },
      300_000,
    );
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
    const markdown = await readFile(stepSummary, 'utf8').catch(() => '');
    return { ...result, runDir, summary, junit, results, markdown };
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
    expect(r.markdown).to.contain('0 passed, 1 failed, 0 broken, 0 skipped');
    expect(r.markdown).to.match(
      /\*\*Failed \(cluster behaviour\)\*\*\n\n- .*endpoint-slices assess: endpoint-slices: /,
    );
    expect(r.markdown).to.not.contain('Broken (harness errors)');
  });

  it('a setup the API refuses is a JUnit <error> with its stack and a readable cause, counted once; exit 1', async () => {
    const k = await kube();
    const removePolicy = await denyByPolicy(k, policy, {
      operation: 'CREATE',
      resource: 'services',
      expression: 'false',
      message: 'Services are refused here',
      matchResources: {
        namespaceSelector: {
          matchExpressions: [
            { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system'] },
          ],
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
      const result = r.results.find((x) => x.name === 'assess');
      expect(result?.status, 'Allure status of a harness error').to.equal('broken');
      expect(result?.statusDetails?.trace ?? '', 'the stack in Allure').to.match(/\n\s+at /);
      expect(r.markdown).to.match(
        /\*\*Broken \(harness errors\)\*\*\n\n- .*endpoint-slices assess: "before all" hook: create Service /,
      );
      expect(r.markdown).to.not.contain('Failed (cluster behaviour)');

      // Two checks refused alike: the shared cause is said once, as cluster-wide, and recorded.
      const two = await run(['--suite', 'conformance', '--grep', 'endpoint-slices|named-ports']);
      expect(two.summary).to.include({ failed: 0, broken: 2, passed: 0 });
      const said = two.stderr.split('\n').filter((l) => l.includes('CLUSTER-WIDE CAUSE'));
      expect(said, 'lines naming the shared cause').to.have.length(1);
      expect(said[0]).to.match(
        /CLUSTER-WIDE CAUSE: 2 tests broke on the same API refusal: .*Services are refused here/,
      );
      expect(two.summary.causes).to.have.length(1);
      expect(two.summary.causes[0].tests).to.equal(2);
    } finally {
      await removePolicy();
    }
  });

  it('a teardown the API refuses is a warning naming the object, not a verdict', async () => {
    const k = await kube();
    const keep = 'gauntlet-test-keep-namespaces';
    const prefix = 'gauntlet-endpoint-slices-';
    const removePolicy = await denyByPolicy(k, keep, {
      operation: 'DELETE',
      resource: 'namespaces',
      expression: `!oldObject.metadata.name.startsWith('${prefix}')`,
      message: 'namespace deletion refused here',
    });
    const probe = `${prefix}vap-probe`;
    try {
      // In effect once the apiserver loaded it: a refused delete of a namespace it covers is the sign (the probe
      // is made again while deletes still go through).
      await pollUntil(
        'the admission policy to refuse a namespace deletion',
        async () => {
          await k.core.createNamespace({ body: { metadata: { name: probe } } }).catch(() => undefined);
          return k.core.deleteNamespace({ name: probe }).then(
            () => undefined,
            (error: { code?: number }) => (error.code === 403 ? error : undefined),
          );
        },
        30_000,
        250,
      );
      const r = await run(['--suite', 'conformance', '--grep', 'endpoint-slices']);
      // The check's own verdict (this cluster runs no EndpointSlice controller) is unchanged by the teardown.
      expect(r.exitCode, r.stderr).to.equal(ExitCode.CheckFailed);
      expect(r.summary).to.include({ verdict: 'failed', failed: 1, broken: 0 });
      const warning =
        /teardown failed: delete Namespace gauntlet-endpoint-slices-\S+: 403 Forbidden: .*namespace deletion refused here/;
      expect(r.summary.warnings.filter((w: string) => warning.test(w))).to.have.length(1);
      expect(r.stderr).to.match(new RegExp(`warning: .*${warning.source}`));
    } finally {
      await removePolicy();
      // What the refused teardown left, and the probe (deleting again once the policy is gone).
      const left = (await k.core.listNamespace()).items.filter((n) => n.metadata!.name!.startsWith(prefix));
      for (const n of left) {
        await pollUntil(
          `namespace ${n.metadata!.name} deletable again`,
          async () =>
            k.core.deleteNamespace({ name: n.metadata!.name! }).then(
              () => true,
              (error: { code?: number }) => (error.code === 404 ? true : undefined),
            ),
          30_000,
          250,
        );
      }
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
    expect(r.junit.testsuites.testsuite.testcase.skipped['@_message']).to.equal(reason);
    expect(r.stderr).to.contain(`skipped 1 (${reason})`);
    const result = r.results.find((x) => x.status === 'skipped');
    expect(result?.statusDetails?.message).to.equal(`skipped: ${reason}`);
  });

  it('the preflight names a tainted node, a node that never reported, a Pending system pod, and records them in summary.json', async () => {
    const k = await kube();
    const node = (await k.core.listNode()).items[0]!;
    const nodeName = node.metadata!.name!;
    const taint = { key: 'example.com/broken', value: 'yes', effect: 'NoSchedule' };
    await k.core.patchNode({
      name: nodeName,
      body: [{ op: 'add', path: '/spec/taints', value: [...(node.spec?.taints ?? []), taint] }],
    });
    // A Node no kubelet (and no kwok) speaks for: it never reports a status.
    const ghost = 'gauntlet-test-ghost-node';
    await k.core.createNode({ body: { metadata: { name: ghost } } });
    const pending = 'gauntlet-test-unschedulable';
    await k.core.createNamespacedPod({
      namespace: 'kube-system',
      body: {
        metadata: { name: pending },
        spec: {
          nodeSelector: { 'example.com/no-such-node': 'anywhere' },
          containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10' }],
        },
      },
    });
    try {
      // The scheduler's verdict on the pod is what the preflight repeats: wait for it to be written.
      await watchUntil(k, {
        list: () =>
          k.core.listNamespacedPod({ namespace: 'kube-system', fieldSelector: `metadata.name=${pending}` }),
        path: '/api/v1/namespaces/kube-system/pods',
        query: { fieldSelector: `metadata.name=${pending}` },
        done: ([p]) =>
          p?.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False') || undefined,
        what: `pod kube-system/${pending} judged unschedulable`,
        timeoutMs: 30_000,
      });
      const r = await run(['--suite', 'conformance', '--grep', 'no-such-check-anywhere', '--allow-empty']);
      const findings = [
        `node ${nodeName}: tainted example.com/broken=yes:NoSchedule`,
        new RegExp(`^node ${ghost}: Ready=(missing|Unknown)$`),
        new RegExp(
          `^system pod kube-system/${pending}: Pending \\(0/\\d+ nodes are available: .*node affinity/selector`,
        ),
      ];
      expect(r.stderr).to.contain('preflight: the cluster looks unwell');
      for (const finding of findings) {
        const found = (r.summary.preflight as string[]).filter((f) =>
          typeof finding === 'string' ? f === finding : finding.test(f),
        );
        expect(found, `preflight findings matching ${finding}`).to.have.length(1);
        expect(r.stderr).to.contain(found[0]);
      }
    } finally {
      await k.core.deleteNamespacedPod({ namespace: 'kube-system', name: pending, gracePeriodSeconds: 0 });
      await k.core.deleteNode({ name: ghost });
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
