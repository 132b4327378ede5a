import { copyFile, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { ExitCode } from '../src/errors.ts';
import { newRunId } from '../src/model/run-id.ts';
import { gauntlet, isolatedStateDir } from './helpers/cli.ts';
import { launchChromium, serveDir } from './helpers/report-browser.ts';

interface AllureResult {
  name: string;
  status: string;
  steps: { name: string; attachments: { name: string; source: string; type: string }[] }[];
}

const testTitle =
  'with 1 apiserver, SIGKILL causes downtime that is measured, and existing endpoints are kept';
const screenshot = join(import.meta.dirname, '..', 'docs', 'report-screenshot.png');

/**
 * The run directory and the report of a real run: one fast chaos scenario (a single apiserver SIGKILLed for 10 s)
 * on a small embedded cluster, then `gauntlet report`, then the report as a browser shows it.
 */
describe('run directory and HTML report', function () {
  this.timeout(300_000);
  const name = 'report';
  let env: Record<string, string>;
  let out: string;
  let runDir: string;
  let stepSummary: string;

  before(async () => {
    const state = await isolatedStateDir();
    out = join(state, 'out');
    stepSummary = join(state, 'step-summary.md');
    await writeFile(stepSummary, '');
    env = { GAUNTLET_STATE_DIR: state, GITHUB_STEP_SUMMARY: stepSummary };
    const up = await gauntlet(['cluster', 'up', '--name', name, '--nodes-per-zone', '1'], env);
    expect(up.exitCode, up.stderr).to.equal(0);
    const started = Date.now();
    const run = await gauntlet(
      ['run', '--cluster', name, '--suite', 'chaos', '--grep', 'with 1 apiserver', '--out', out],
      env,
      240_000,
    );
    process.stderr.write(`      (gauntlet run took ${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
    expect(run.exitCode, run.stderr).to.equal(ExitCode.Passed);
    const [dir] = (await readdir(out)).filter((d) => !d.endsWith('.jsonl'));
    runDir = join(out, dir!);
    expect(run.stderr, 'the run ends by saying where the report is').to.contain(
      `report: ${join(runDir, 'report', 'index.html')}`,
    );
  });

  after(async () => {
    if (env) await gauntlet(['cluster', 'down', '--name', name], env);
  });

  it('writes JUnit XML and Allure results in which the chaos test carries its timeline chart, events and logs', async () => {
    const junit = await readFile(join(runDir, 'junit.xml'), 'utf8');
    expect(junit).to.match(/<testsuite [^>]*tests="1"/);
    expect(junit).to.contain(`name="${testTitle}"`);

    const results = join(runDir, 'allure-results');
    const files = await readdir(results);
    const all = await Promise.all(
      files
        .filter((f) => f.endsWith('-result.json'))
        .map(async (f) => JSON.parse(await readFile(join(results, f), 'utf8')) as AllureResult),
    );
    const result = all.find((r) => r.name === testTitle);
    expect(result?.status).to.equal('passed');
    const attachments = result!.steps.flatMap((s) => s.attachments);
    const chart = attachments.find((a) => a.type === 'image/svg+xml');
    expect(chart?.name).to.equal('timeline chart: apiserver-kill-single');
    const svg = await readFile(join(results, chart!.source), 'utf8');
    expect(svg)
      .to.match(/^<svg /)
      .and.contain('class="fault-band"')
      .and.contain('class="probe-error"');
    expect(await readFile(join(runDir, 'timelines', 'apiserver-kill-single.svg'), 'utf8')).to.equal(svg);
    const names = attachments.map((a) => a.name);
    expect(names).to.include('kubernetes events (fault window)');
    expect(names).to.include('log: kube-apiserver-0 (fault window)');
    const apiserverLog = attachments.find((a) => a.name === 'log: kube-apiserver-0 (fault window)')!;
    expect(await readFile(join(results, apiserverLog.source), 'utf8'), 'the restarted apiserver').to.match(
      /lines from .*\n[IWE]\d{4} /,
    );
    // No credential in any artifact: the kubeconfig's client key and any PEM private key stay out.
    for (const a of attachments) {
      const text = await readFile(join(results, a.source), 'utf8');
      expect(text, a.name).to.not.match(/PRIVATE KEY-----/);
    }
  });

  it('writes summary.json with the verdict, recovery times, API SLO figures and versions', async () => {
    const summary = JSON.parse(await readFile(join(runDir, 'summary.json'), 'utf8'));
    expect(summary.verdict).to.equal('passed');
    const [scenario] = summary.scenarios;
    expect(scenario.scenario).to.equal('apiserver-kill-single');
    expect(scenario.faults[0].durationMs, 'the 10 s kill').to.be.within(9_500, 30_000);
    expect(scenario.recovery.recovered).to.equal(true);
    expect(scenario.recovery.timeToRecoverMs, 'down from the kill until the API answered').to.be.within(
      9_500,
      70_000,
    );
    expect(scenario.recovery.afterRevertMs).to.be.within(0, 60_000);
    expect(scenario.slo.api.longestOutageMs).to.be.at.least(9_500);
    expect(scenario.slo.api.availability).to.be.within(0, 0.9);
    expect(summary.versions.cluster['kube-apiserver (/version)']).to.match(/^v1\.\d+\.\d+/);
    expect(summary.versions.tools.node).to.equal(process.version);
    expect(summary.versions.tools.allure).to.match(/^3\./);
  });

  it('appends a Markdown summary to $GITHUB_STEP_SUMMARY', async () => {
    const md = await readFile(stepSummary, 'utf8');
    expect(md).to.match(/^### ✅ gauntlet run `\d{8}-\d{6}-\w+`: passed/);
    expect(md).to.contain('1 passed, 0 failed, 0 broken, 0 skipped');
    expect(md).to.match(/\| apiserver-kill-single \| control-plane-kill \([\d.]+ s\) \| yes \| [\d.]+ s \|/);
  });

  it('gauntlet report builds the HTML report with history; a browser shows the scenario, its chart, verdict and trend', async () => {
    const history = join(out, 'custom-history.jsonl');
    const started = Date.now();
    const report = await gauntlet(['report', runDir, '--history', history], env);
    process.stderr.write(`      (gauntlet report took ${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
    expect(report.exitCode, report.stderr).to.equal(0);
    expect(report.stdout.trim()).to.equal(join(runDir, 'report', 'index.html'));
    expect((await readFile(history, 'utf8')).trim().split('\n'), 'one history entry').to.have.length(1);
    const again = await gauntlet(['report', runDir, '--history', history], env);
    expect(again.exitCode, again.stderr).to.equal(0);
    expect(
      (await readFile(history, 'utf8')).trim().split('\n'),
      'a rebuild replaces the run in the history',
    ).to.have.length(1);
    expect(
      (await readFile(join(out, 'history.jsonl'), 'utf8')).trim().split('\n'),
      'the run kept its own entry in the default history',
    ).to.have.length(1);

    // A second run (a next nightly) against the same history: its report shows the trend.
    const next = await gauntlet(
      ['run', '--cluster', name, '--suite', 'chaos', '--grep', 'with 1 apiserver', '--out', out],
      env,
      240_000,
    );
    expect(next.exitCode, next.stderr).to.equal(ExitCode.Passed);
    expect((await readFile(join(out, 'history.jsonl'), 'utf8')).trim().split('\n')).to.have.length(2);
    const nextDir = join(out, (await readdir(out)).filter((d) => /^\d{8}-/.test(d)).sort()[1]!);
    expect(
      (await readFile(stepSummary, 'utf8')).match(/^### /gm),
      'each run and each report appended',
    ).to.have.length(4);

    const server = await serveDir(join(nextDir, 'report'));
    const chromium = await launchChromium();
    try {
      const page = await chromium.context.newPage();
      await page.goto(server.url);
      await page.getByText('[Chaos][ControlPlane] control-plane termination').click();
      await page.getByText(testTitle).first().click();
      await page.getByRole('heading', { name: testTitle }).waitFor();
      // The verdict badge of this very test, beside its heading (not any "Passed" on the page).
      const header = page.getByRole('heading', { name: testTitle }).locator('xpath=..');
      expect(await header.getByText('Passed', { exact: true }).isVisible(), 'the verdict').to.equal(true);
      // The trend: the History tab counts the earlier runs of this test found in the history file.
      expect(
        await page.getByTestId('test-result-tab-history').textContent(),
        'the first run in the history',
      ).to.match(/History\s*1$/);
      await page.getByText('timeline chart: apiserver-kill-single').click();
      const img = page.locator('img').first();
      await img.waitFor();
      // The page's image element (no DOM types in this project's lib): loaded, and at the chart's own width.
      const [width, complete] = await img.evaluate((i) => {
        const image = i as unknown as { naturalWidth: number; complete: boolean };
        return [image.naturalWidth, image.complete] as const;
      });
      expect(complete && width, 'the chart image loaded at its width').to.equal(960);
      expect(await img.isVisible()).to.equal(true);
      await page.screenshot({ path: join(nextDir, 'report-screenshot.png') });
      if (process.env.GAUNTLET_UPDATE_SCREENSHOT === '1')
        await copyFile(join(nextDir, 'report-screenshot.png'), screenshot);
      expect((await stat(join(nextDir, 'report-screenshot.png'))).size).to.be.greaterThan(10_000);
    } finally {
      await chromium.close();
      await server.close();
    }
  });

  it('gauntlet report --out takes the newest run, not a newer `gauntlet load` directory (what ci/ relies on)', async () => {
    // A load directory made after every run, as the nightly's `gauntlet load api` step makes one.
    await mkdir(join(out, newRunId('load-')), { recursive: true });
    const report = await gauntlet(['report', '--out', out, '--history', join(out, 'ci-history.jsonl')], env);
    expect(report.exitCode, report.stderr).to.equal(0);
    const newestRun = (await readdir(out))
      .filter((d) => /^\d{8}-/.test(d))
      .sort()
      .at(-1)!;
    expect(report.stdout.trim()).to.equal(join(out, newestRun, 'report', 'index.html'));
  });
});
