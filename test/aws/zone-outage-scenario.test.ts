import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { ExitCode } from '../../src/errors.ts';
import type { Timeline } from '../../src/model/timeline.ts';
import { AwsWorld } from '../helpers/aws-world.ts';

interface Summary {
  runId: string;
  tests: { suite: string; title: string; state: string; error?: string }[];
}

/**
 * One scenario across both worlds through `gauntlet run`: the AZ outage drives the NACL swap in moto and the
 * zone loss on the embedded cluster (whose nodes carry the moto instances' providerIDs) with one timeline and
 * one verdict.
 */
describe('chaos scenario [AWS]: AZ outage in moto and on the embedded cluster, one timeline, one verdict', () => {
  const world = new AwsWorld('awsscen');

  before(async () => {
    await world.start();
  });

  after(async () => {
    await world.stop();
  });

  it('passes: the NACL swap and the zone loss share one timeline; EC2 and the nodes are restored after', async () => {
    const before = await world.aclBySubnet();
    const run = await world.cli(
      [
        'run',
        '--cluster',
        world.cluster,
        '-c',
        world.allowed,
        '--suite',
        'chaos',
        '--grep',
        '\\[AWS\\]',
        '--out',
        world.out,
      ],
      {},
      300_000,
    );
    const summaryFile = run.stderr.match(/summary in (\S+summary\.json)/)?.[1];
    expect(summaryFile, run.stderr).to.be.a('string');
    const summary = JSON.parse(await readFile(summaryFile!, 'utf8')) as Summary;
    expect(run.exitCode, `${run.stdout}\n${run.stderr}`).to.equal(ExitCode.Passed);
    expect(summary.tests.map((t) => [t.title, t.state])).to.deep.equal([
      ["the zone's subnets are cut off, and exactly the Nodes backed by its instances go Unknown", 'passed'],
      [
        'after revert every subnet is back on its ACL, the deny-all ACL is gone, and every node is Ready',
        'passed',
      ],
    ]);
    const timeline = JSON.parse(
      await readFile(join(world.out, summary.runId, 'timelines', 'aws-zone-outage.json'), 'utf8'),
    ) as Timeline;
    expect(timeline.faults.map((f) => [f.fault, f.target])).to.deep.equal([
      ['aws-az-outage-nacl', 'zone/us-east-1a'],
      ['zone-loss', 'zone/us-east-1a'],
    ]);
    const [nacl, loss] = timeline.faults;
    // One outage: the cluster-side loss starts while the NACL is on, and ends before the NACL is lifted.
    expect(loss!.injectedAt).to.be.at.least(nacl!.injectedAt);
    expect(loss!.revertedAt!).to.be.at.most(nacl!.revertedAt!);
    const marks = timeline.marks.map((m) => m.what).join('\n');
    expect(marks).to.match(/subnets of us-east-1a \(subnet-\w+\) on a deny-all NACL/);
    expect(marks).to.match(/3 nodes of us-east-1a Unknown after \d+ ms/);
    expect(marks).to.match(/every node Ready \d+ ms after the revert/);
    process.stdout.write(`      ${timeline.marks.map((m) => m.what).join('\n      ')}\n`);
    expect(await world.aclBySubnet()).to.deep.equal(before);
    // The run directory holds Allure results with attachments (events, component logs) and the HTML report.
    const report = join(world.out, summary.runId, 'report', 'index.html');
    expect(await readFile(report, 'utf8'), 'the report was built').to.contain('<html');
    expect(
      await world.credentialLeaks(),
      'the fake AWS keys in any output, allure result or report file',
    ).to.deep.equal([]);
  });
});
