import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { faultCluster, localClusterKey } from '../faults/engine/fault-cluster.ts';
import { inject, parseSpec } from '../faults/engine/fault-engine.ts';
import { Ledger } from '../faults/engine/ledger.ts';
import { faultByKind } from '../faults/registry.ts';
import { selectCluster } from '../faults/targets.ts';
import { ExitCode } from '../src/errors.ts';
import { CheckClusters } from './helpers/check-clusters.ts';
import { gauntlet } from './helpers/cli.ts';

const cluster = 'preflight-etcd';

/**
 * A cluster whose etcd raised NOSPACE before the run: the preflight says so before any check, and the check whose
 * setup writes is broken with the API's own words, not client-node's dump.
 */
describe('preflight on a cluster whose etcd raised the NOSPACE alarm', function () {
  this.timeout(600_000);
  let clusters: CheckClusters | undefined;
  const previousStateDir = process.env.GAUNTLET_STATE_DIR;

  before(async () => {
    clusters = await CheckClusters.create();
    process.env.GAUNTLET_STATE_DIR = clusters.stateDir; // the in-process injection journals under the same state dir
    await clusters.up(cluster, `cluster:\n  local:\n    etcdQuotaBackendBytes: ${64 * 1024 * 1024}\n`);
  });

  after(async () => {
    if (previousStateDir === undefined) delete process.env.GAUNTLET_STATE_DIR;
    else process.env.GAUNTLET_STATE_DIR = previousStateDir;
    await clusters?.down(cluster);
  });

  it('names the alarm before the suites, records it in summary.json, and the refused setup reads as the API said it', async () => {
    const state = clusters!.stateDir;
    const fault = faultByKind('etcd-pressure');
    const { ctx } = await faultCluster({ cluster });
    // Journaled under a key of its own: `run` reverts the faults it finds journaled for its cluster before judging
    // it, and this alarm must still be up when the run starts (the test reverts it).
    const ledger = await Ledger.open(
      join(state, 'in-process'),
      localClusterKey(`alarm-${ctx.cluster.local!.uid}`),
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
        { GAUNTLET_STATE_DIR: state },
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
