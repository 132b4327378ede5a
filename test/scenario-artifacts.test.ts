import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestRuntime } from 'allure-js-commons/sdk/runtime';
import { getGlobalTestRuntime, setGlobalTestRuntime } from 'allure-js-commons/sdk/runtime';
import { expect } from 'chai';
import { attachScenarioArtifacts } from '../reports/scenario-artifacts.ts';
import type { TimelineData } from '../reports/timeline-chart.ts';
import type { RunContext } from '../src/model/run-context.ts';

/**
 * What a scenario attaches, seen through allure's runtime API. The real run (test/run-report.test.ts) covers the
 * chart, events and logs on the embedded cluster; this covers the load's SLO table, which only a load writes.
 */
describe('scenario artifacts', () => {
  let previous: TestRuntime;
  const attached: { name: string; type: string; content: string }[] = [];

  before(() => {
    previous = getGlobalTestRuntime();
    const recorder = {
      attachment: async (
        name: string,
        content: Buffer | Uint8Array | string,
        options: { contentType: string },
      ) => {
        attached.push({ name, type: options.contentType, content: String(content) });
      },
    };
    setGlobalTestRuntime(recorder as unknown as TestRuntime);
  });
  after(() => setGlobalTestRuntime(previous));

  it('attaches the chart, the timeline and the SLO table when the scenario ran a load, and writes the SVG', async () => {
    const outDir = await mkdtemp(join(tmpdir(), 'gauntlet-artifacts-'));
    await mkdir(join(outDir, 'timelines'));
    await mkdir(join(outDir, 'load'));
    const t0 = Date.now() - 60_000;
    const timeline: TimelineData = {
      scenario: 'zone-loss',
      startedAt: t0,
      finishedAt: t0 + 60_000,
      faults: [{ fault: 'zone-loss', target: 'zone a', injectedAt: t0 + 10_000, revertedAt: t0 + 40_000 }],
      transitions: [],
      probes: {},
      marks: [],
      sloTables: { 'zone-loss': ['verdict: slo-failed', 'FAILED client availability 60.00%'] },
    };
    await writeFile(join(outDir, 'timelines', 'zone-loss.json'), JSON.stringify(timeline));
    const table = JSON.stringify({ verdict: 'slo-failed', failures: ['client availability 60.00%'] });
    await writeFile(join(outDir, 'load', 'zone-loss.json'), table);
    // No cluster here: the event list is the one part that needs the API, and it reports its failure in place.
    const kube = { core: { listEventForAllNamespaces: () => Promise.reject(new Error('no cluster')) } };
    const run = { outDir, cluster: { name: 'x', provisioner: 'existing' }, kube } as unknown as RunContext;

    await attachScenarioArtifacts({ name: 'zone-loss', run });

    const byName = new Map(attached.map((a) => [a.name, a]));
    expect(byName.get('timeline chart: zone-loss')?.type).to.equal('image/svg+xml');
    expect(byName.get('timeline chart: zone-loss')?.content).to.equal(
      await readFile(join(outDir, 'timelines', 'zone-loss.svg'), 'utf8'),
    );
    expect(byName.get('SLO table: zone-loss.json')).to.deep.include({
      type: 'application/json',
      content: table,
    });
    expect(byName.get('SLO table: zone-loss')?.content).to.equal(
      'verdict: slo-failed\nFAILED client availability 60.00%\n',
    );
    // The chart itself carries the table under its axis.
    expect(byName.get('timeline chart: zone-loss')?.content).to.match(
      /class="slo-line"[^>]*>FAILED client availability/,
    );
    expect(byName.get('kubernetes events (fault window)')?.content).to.match(
      /could not be listed: no cluster/,
    );
  });
});
