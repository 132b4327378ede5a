import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { expect } from 'chai';
import { ExitCode } from '../src/errors.ts';
import type { ApiLoadResult } from '../src/observe/load/api-load.ts';
import { type CliResult, gauntlet, isolatedStateDir } from './helpers/cli.ts';

/** The secret parts of a kubeconfig's user, none of which may appear in anything the load writes. */
async function secretsOf(kubeconfig: string): Promise<string[]> {
  const config = new KubeConfig();
  config.loadFromFile(kubeconfig);
  const user = config.getCurrentUser()!;
  const pems = await Promise.all(
    [user.keyFile, user.certFile].filter((f): f is string => !!f).map((f) => readFile(f, 'utf8')),
  );
  const inline = [user.keyData, user.certData, user.token].filter((v): v is string => !!v);
  // A distinctive slice of each: the base64 body line of a PEM, or the value itself.
  return [...pems, ...inline].map(
    (s) => s.split('\n').find((l) => l.length > 40 && !l.startsWith('-----')) ?? s,
  );
}

async function tableOf(out: string): Promise<ApiLoadResult> {
  const [runId] = (await readdir(out))
    .filter((d) => d.startsWith('load-'))
    .sort()
    .reverse();
  return JSON.parse(await readFile(join(out, runId!, 'load', 'api.json'), 'utf8')) as ApiLoadResult;
}

function expectNoSecrets(secrets: string[], ...texts: string[]): void {
  for (const text of texts) {
    expect(text).to.not.match(/PRIVATE KEY|BEGIN CERTIFICATE|Bearer /);
    for (const secret of secrets) expect(text.includes(secret), 'a credential in the output').to.equal(false);
  }
}

/** The real generator against the real embedded apiservers: verdicts from their SLI metrics and the client. */
for (const ha of [false, true]) {
  describe(`gauntlet load api against the embedded cluster${ha ? ' (--ha: each apiserver scraped)' : ''}`, () => {
    const name = ha ? 'load-api-ha' : 'load-api';
    let state: string;
    let out: string;
    let secrets: string[];
    let kubeconfig: string;
    const env = () => ({ GAUNTLET_STATE_DIR: state });
    const load = (...args: string[]): Promise<CliResult> =>
      gauntlet(['load', 'api', '--cluster', name, '--out', out, ...args], env());

    before(async () => {
      state = await isolatedStateDir();
      out = await isolatedStateDir();
      const up = await gauntlet(
        ['cluster', 'up', '--name', name, '--nodes-per-zone', '1', ...(ha ? ['--ha'] : [])],
        env(),
      );
      expect(up.exitCode, up.stderr).to.equal(0);
      kubeconfig = (await gauntlet(['cluster', 'kubeconfig', '--name', name], env())).stdout.trim();
      secrets = await secretsOf(kubeconfig);
    });

    after(async () => {
      if (state) await gauntlet(['cluster', 'down', '--name', name], env());
    });

    it('a healthy cluster passes from both sides: every SLI key and the client error budget', async () => {
      const run = await load('--set', 'durationSeconds=6', '--set', 'scrapeIntervalSeconds=2');
      expect(run.exitCode, `${run.stdout}\n${run.stderr}`).to.equal(ExitCode.Passed);
      const table = await tableOf(out);
      expect(table.verdict).to.equal('passed');
      expect(table.failures).to.deep.equal([]);
      const keys = table.server.map((r) => r.key);
      for (const key of [
        'POST configmaps resource',
        'GET configmaps resource',
        'PATCH configmaps resource',
        'DELETE configmaps resource',
        'LIST configmaps namespace',
        'LIST namespaces cluster',
      ])
        expect(keys, run.stdout).to.include(key);
      expect(table.server.every((r) => r.ok)).to.equal(true);
      expect(table.client.availability).to.equal(1);
      expect(table.client.operations.map((o) => o.op)).to.have.members([
        'create',
        'delete',
        'get',
        'list-cluster',
        'list-namespace',
        'patch',
        'watch-open',
      ]);
      // 5 lifecycles/s for 6 s: 30 creates, each through get, patch and delete.
      const create = table.client.operations.find((o) => o.op === 'create')!;
      expect(create.requests).to.equal(30);
      expect(table.client.operations.find((o) => o.op === 'delete')!.requests).to.equal(30);
      expect(table.scrapes).to.have.length(ha ? 3 : 1);
      for (const s of table.scrapes) expect(s.read, s.server).to.be.at.least(4);
      expect(run.stdout).to.match(/^verdict: passed$/m);
      expectNoSecrets(secrets, run.stdout, run.stderr, JSON.stringify(table));
    });

    if (ha) return;

    it('an impossible bound exits 1, naming the class and the figure on both sides', async () => {
      const run = await load('--set', 'durationSeconds=3', '--set', 'slo.mutatingSeconds=0.001');
      expect(run.exitCode, `${run.stdout}\n${run.stderr}`).to.equal(ExitCode.CheckFailed);
      expect(run.stdout).to.match(
        /^FAILED server SLI mutating POST configmaps resource: 0\.00% of \d+ within 0\.001 s \(objective 99\.00%; p99 <= [\d.]+ s\)$/m,
      );
      expect(run.stdout).to.match(
        /^FAILED client availability [\d.]+% < 99\.00% .*create \(mutating, bound 1 ms\)/m,
      );
      expect((await tableOf(out)).verdict).to.equal('slo-failed');
      expectNoSecrets(secrets, run.stdout, run.stderr);
    });

    it('a bearer-token kubeconfig (a ServiceAccount token) works through --kubeconfig, and the token shows nowhere', async () => {
      const admin = new KubeConfig();
      admin.loadFromFile(kubeconfig);
      const core = admin.makeApiClient(CoreV1Api);
      const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
      const sa = `load-token-${process.pid}`;
      await core.createNamespacedServiceAccount({ namespace: 'default', body: { metadata: { name: sa } } });
      await rbac.createClusterRoleBinding({
        body: {
          metadata: { name: sa },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
          subjects: [{ kind: 'ServiceAccount', name: sa, namespace: 'default' }],
        },
      });
      const token = (
        await core.createNamespacedServiceAccountToken({
          name: sa,
          namespace: 'default',
          body: { spec: { audiences: [] } },
        })
      ).status!.token;
      const cluster = admin.getCurrentCluster()!;
      const file = join(out, 'token.kubeconfig');
      await writeFile(
        file,
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Config',
          clusters: [
            { name: 'c', cluster: { server: cluster.server, 'certificate-authority': cluster.caFile } },
          ],
          users: [{ name: 'u', user: { token } }],
          contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
          'current-context': 'x',
        }),
        { mode: 0o600 },
      );
      const run = await gauntlet(
        ['load', 'api', '--kubeconfig', file, '--out', out, '--set', 'durationSeconds=3'],
        env(),
      );
      expect(run.exitCode, `${run.stdout}\n${run.stderr}`).to.equal(ExitCode.Passed);
      const table = await tableOf(out);
      expect(table.client.availability).to.equal(1);
      expect(table.scrapes).to.deep.equal([{ server: cluster.server, read: 2, missed: 0 }]);
      expectNoSecrets([token, ...secrets], run.stdout, run.stderr, JSON.stringify(table));
    });

    it('an exec-plugin kubeconfig works, its credential renewed as it expires, and the token shows nowhere', async () => {
      const admin = new KubeConfig();
      admin.loadFromFile(kubeconfig);
      const core = admin.makeApiClient(CoreV1Api);
      const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
      const sa = `load-exec-${process.pid}`;
      await core.createNamespacedServiceAccount({ namespace: 'default', body: { metadata: { name: sa } } });
      await rbac.createClusterRoleBinding({
        body: {
          metadata: { name: sa },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
          subjects: [{ kind: 'ServiceAccount', name: sa, namespace: 'default' }],
        },
      });
      const token = (
        await core.createNamespacedServiceAccountToken({
          name: sa,
          namespace: 'default',
          body: { spec: { audiences: [] } },
        })
      ).status!.token;
      // The plugin says its credential expires 2 s after it is issued, as `aws eks get-token` says 14 min, and
      // counts its runs: a load of 8 s must run it every 2 s or so, not keep the first credential to the end.
      const runs = join(out, 'plugin-runs');
      const plugin = join(out, 'credential-plugin.sh');
      await writeFile(
        plugin,
        [
          '#!/bin/sh',
          `echo run >> '${runs}'`,
          'expires=$(date -u -d "+2 seconds" +%Y-%m-%dT%H:%M:%SZ)',
          `printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s","expirationTimestamp":"%s"}}' '${token}' "$expires"`,
          '',
        ].join('\n'),
        { mode: 0o700 },
      );
      const cluster = admin.getCurrentCluster()!;
      const file = join(out, 'exec.kubeconfig');
      await writeFile(
        file,
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Config',
          clusters: [
            { name: 'c', cluster: { server: cluster.server, 'certificate-authority': cluster.caFile } },
          ],
          users: [
            {
              name: 'u',
              user: {
                exec: {
                  apiVersion: 'client.authentication.k8s.io/v1',
                  command: plugin,
                  interactiveMode: 'Never',
                },
              },
            },
          ],
          contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
          'current-context': 'x',
        }),
        { mode: 0o600 },
      );
      const run = await gauntlet(
        ['load', 'api', '--kubeconfig', file, '--out', out, '--set', 'durationSeconds=8'],
        env(),
      );
      expect(run.exitCode, `${run.stdout}\n${run.stderr}`).to.equal(ExitCode.Passed);
      const table = await tableOf(out);
      expect(table.client.availability).to.equal(1);
      const pluginRuns = (await readFile(runs, 'utf8')).trim().split('\n').length;
      expect(pluginRuns, 'plugin runs').to.be.at.least(4);
      expectNoSecrets([token, ...secrets], run.stdout, run.stderr, JSON.stringify(table));
    });

    it('a broken load definition exits 3 naming the field, before any load', async () => {
      const file = join(out, 'broken.yaml');
      await writeFile(file, 'operations:\n  configmaps:\n    perSecond: fast\n');
      const run = await load('-f', file);
      expect(run.exitCode, run.stderr).to.equal(ExitCode.Infrastructure);
      expect(run.stderr).to.match(
        /load definition .*broken\.yaml: operations\.configmaps\.perSecond: .*expected number/,
      );
      const bad = await load('--set', 'slo.objective=2');
      expect(bad.exitCode, bad.stderr).to.equal(ExitCode.Infrastructure);
      expect(bad.stderr).to.match(/slo\.objective/);
    });
  });
}
