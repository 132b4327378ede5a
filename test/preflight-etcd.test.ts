import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { localClusterKey } from '../faults/engine/fault-cluster.ts';
import { inject, parseSpec } from '../faults/engine/fault-engine.ts';
import { Ledger } from '../faults/engine/ledger.ts';
import { faultByKind } from '../faults/registry.ts';
import { selectCluster } from '../faults/targets.ts';
import { ExitCode } from '../src/errors.ts';
import { kubeFromFile } from '../src/kube/client.ts';
import type { LocalClusterSpec } from '../src/model/local-cluster-spec.ts';
import { gauntlet, isolatedStateDir } from './helpers/cli.ts';

const cluster = 'preflight-etcd';

/**
 * A cluster whose etcd raised NOSPACE before the run: the preflight says so before any check, and the check whose
 * setup writes is broken with the API's own words, not client-node's dump.
 */
describe('preflight on a cluster whose etcd raised the NOSPACE alarm', function () {
  this.timeout(600_000);
  let state: string;
  let env: Record<string, string>;
  let spec: LocalClusterSpec;
  const previousStateDir = process.env.GAUNTLET_STATE_DIR;

  before(async () => {
    state = await isolatedStateDir();
    env = { GAUNTLET_STATE_DIR: state };
    process.env.GAUNTLET_STATE_DIR = state; // the in-process injection journals under the same state dir
    const config = join(state, 'config.yaml');
    await writeFile(
      config,
      `apiVersion: gauntlet.dev/v1alpha1\nkind: GauntletConfig\ncluster:\n  local:\n    etcdQuotaBackendBytes: ${64 * 1024 * 1024}\n`,
    );
    const up = await gauntlet(
      ['cluster', 'up', '--name', cluster, '--nodes-per-zone', '1', '-c', config],
      env,
    );
    expect(up.exitCode, up.stderr).to.equal(0);
    spec = JSON.parse(
      await readFile(join(state, 'clusters', cluster, 'cluster.json'), 'utf8'),
    ) as LocalClusterSpec;
  });

  after(async () => {
    if (previousStateDir === undefined) delete process.env.GAUNTLET_STATE_DIR;
    else process.env.GAUNTLET_STATE_DIR = previousStateDir;
    if (spec) await gauntlet(['cluster', 'down', '--name', cluster], env);
  });

  it('names the alarm before the suites, records it in summary.json, and the refused setup reads as the API said it', async () => {
    const fault = faultByKind('etcd-pressure');
    const ctx = {
      kube: kubeFromFile(spec.kubeconfig),
      cluster: {
        name: cluster,
        provisioner: 'local' as const,
        kubeconfig: spec.kubeconfig,
        owned: false,
        local: spec,
      },
    };
    // Journaled under a key of its own: `run` reverts the faults it finds journaled for its cluster before judging
    // it, and this alarm must still be up when the run starts (the test reverts it).
    const ledger = await Ledger.open(
      join(state, 'in-process'),
      localClusterKey(`alarm-${spec.uid}`),
      'in-process',
    );
    const [target] = selectCluster(ctx);
    const injection = await inject(fault, target!, parseSpec(fault, {}), {
      ctx,
      ledger,
      maxDurationMs: 300_000,
    });
    try {
      const out = join(state, 'out');
      const run = await gauntlet(
        ['run', '--cluster', cluster, '--suite', 'conformance', '--grep', 'endpoint-slices', '--out', out],
        env,
        300_000,
      );
      expect(run.exitCode, run.stderr).to.equal(ExitCode.CheckFailed);
      expect(run.stderr).to.match(
        /preflight: the cluster looks unwell[^\n]*\n\s+- etcd alarm NOSPACE raised on member \d+/,
      );
      const [dir] = await readdir(out);
      const summary = JSON.parse(await readFile(join(out, dir!, 'summary.json'), 'utf8'));
      expect(summary.preflight.join('\n')).to.match(/etcd alarm NOSPACE raised on member \d+/);
      expect(summary.verdict).to.equal('broken');
      process.stderr.write(`      (the broken setup: ${summary.tests[0].error})\n`);
      expect(summary.tests[0].error).to.match(
        /^create (Namespace gauntlet-endpoint-slices-\S+|\w+ gauntlet-endpoint-slices-[\w-]+\/\S+): 500 (Internal Server Error|InternalError): etcdserver: mvcc: database space exceeded$/,
      );
      expect(run.stderr).to.not.contain('Unknown API Status Code');
    } finally {
      await injection.revert();
      await ledger.closeIfClean();
    }
  });
});
