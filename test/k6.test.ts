import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { InfrastructureError } from '../src/errors.ts';
import { runK6, verdictOf } from '../src/observe/load/k6.ts';
import { k6Script } from '../src/observe/load/scenario-load.ts';
import { gauntlet, isolatedStateDir } from './helpers/cli.ts';

/** The real k6 (built from go.k6.io/k6, cached) against the real embedded API server. */
describe('k6 load against the embedded cluster', () => {
  let state: string;
  let out: string;
  let kubeconfig: string;
  const env = () => ({ GAUNTLET_STATE_DIR: state });

  before(async () => {
    state = await isolatedStateDir();
    out = await mkdtemp(join(tmpdir(), 'gauntlet-k6-test-'));
    const up = await gauntlet(['cluster', 'up', '--name', 'k6', '--nodes-per-zone', '1'], env());
    expect(up.exitCode, up.stderr).to.equal(0);
    kubeconfig = (await gauntlet(['cluster', 'kubeconfig', '--name', 'k6'], env())).stdout.trim();
  });

  after(async () => {
    if (state) await gauntlet(['cluster', 'down', '--name', 'k6'], env());
  });

  it('maps exit codes: 0 passed, 99 SLO failed, anything else a harness error', () => {
    expect(verdictOf(0)).to.equal('passed');
    expect(verdictOf(99)).to.equal('slo-failed');
    expect(verdictOf(107)).to.equal(undefined);
    expect(verdictOf(1)).to.equal(undefined);
  });

  it('api-slo passes the scalability SLO thresholds on a healthy cluster, with client-certificate auth', async () => {
    const summaryFile = join(out, 'healthy', 'api-slo.summary.json');
    const result = await runK6({
      script: k6Script('api-slo'),
      summaryFile,
      env: { GAUNTLET_K6_DURATION: '8s' },
      kubeconfig: { path: kubeconfig },
    });
    expect(result.verdict, await readFile(result.logFile, 'utf8')).to.equal('passed');
    const byMetric = Object.fromEntries(result.summary.thresholds.map((t) => [t.metric, t]));
    expect(Object.keys(byMetric).sort()).to.deep.equal([
      'checks',
      'http_req_duration{slo:list}',
      'http_req_duration{slo:mutating}',
      'http_req_duration{slo:read}',
    ]);
    expect(byMetric['http_req_duration{slo:mutating}']!.expression).to.equal('p(99)<=1000');
    expect(byMetric['http_req_duration{slo:list}']!.expression).to.equal('p(99)<=5000');
    for (const slo of ['mutating', 'read', 'list']) {
      const trend = result.summary.trends[`http_req_duration{slo:${slo}}`]!;
      expect(trend.count, `${slo} requests`).to.be.greaterThan(50);
      expect(trend.p99, `${slo} p99`).to.be.a('number');
    }
    // Credentials went to k6 as file paths in a temporary directory, never into the run's files.
    for (const file of [summaryFile, result.logFile]) {
      const text = await readFile(file, 'utf8');
      expect(text).to.not.match(/PRIVATE KEY|BEGIN CERTIFICATE/);
    }
  });

  it('an impossible threshold (p99 <= 0.001 ms, set through the environment) exits 99: an SLO failure', async () => {
    const result = await runK6({
      script: k6Script('api-slo'),
      summaryFile: join(out, 'impossible', 'api-slo.summary.json'),
      env: { GAUNTLET_K6_DURATION: '3s', GAUNTLET_K6_READ_P99_MS: '0.001' },
      kubeconfig: { path: kubeconfig },
    });
    expect(result.exitCode).to.equal(99);
    expect(result.verdict).to.equal('slo-failed');
    const failed = result.summary.thresholds.filter((t) => !t.ok).map((t) => `${t.metric} ${t.expression}`);
    expect(failed).to.deep.equal(['http_req_duration{slo:read} p(99)<=0.001']);
  });

  it('a broken script is a harness error naming k6 exit code and output, not an SLO verdict', async () => {
    const script = join(out, 'broken.js');
    await writeFile(script, 'export default function ( {\n');
    let error: unknown;
    await runK6({ script, summaryFile: join(out, 'broken', 'broken.summary.json') }).catch((e) => {
      error = e;
    });
    expect(error).to.be.instanceOf(InfrastructureError);
    expect((error as Error).message).to.match(
      /k6 run .*broken\.js failed \(exit code 107: script exception\)/,
    );
    expect((error as Error).message).to.contain('Unexpected end of input'); // k6's own words, from its output
  });

  it('gauntlet load runs a fixture against an embedded cluster: exit 0, then 1 for a missed SLO', async () => {
    const loadOut = join(out, 'cli');
    const ok = await gauntlet(
      ['load', 'api-slo', '--cluster', 'k6', '--out', loadOut, '-e', 'GAUNTLET_K6_DURATION=3s'],
      env(),
    );
    expect(ok.exitCode, ok.stderr).to.equal(0);
    expect(ok.stdout).to.match(/^ok +http_req_duration\{slo:mutating\} p\(99\)<=1000$/m);
    const missed = await gauntlet(
      [
        'load',
        'api-slo',
        '--cluster',
        'k6',
        '--out',
        loadOut,
        '-e',
        'GAUNTLET_K6_DURATION=3s',
        '-e',
        'GAUNTLET_K6_LIST_P99_MS=0.001',
      ],
      env(),
    );
    expect(missed.exitCode, missed.stderr).to.equal(1);
    expect(missed.stdout).to.match(/^FAILED http_req_duration\{slo:list\} p\(99\)<=0\.001$/m);
    const runs = await readdir(loadOut);
    expect(runs).to.have.length(2);
    expect(await readdir(join(loadOut, runs[0]!, 'k6'))).to.include('api-slo.summary.json');
  });
});

/**
 * The workload script, against a local HTTP server standing in for a port-forwarded Service: this checks the
 * script and its thresholds, not a port-forward or an in-cluster Job (kwok pods run no containers).
 */
describe('k6 service script (against a local HTTP server)', () => {
  let server: Server;
  let failing = false;
  let url: string;

  before(async () => {
    server = createServer((_req, res) => {
      res.statusCode = failing ? 503 : 200;
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });

  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('passes while the service answers, and misses its SLO (exit 99) when it fails', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gauntlet-k6-service-'));
    const env = { GAUNTLET_K6_TARGET: url, GAUNTLET_K6_DURATION: '3s' };
    const healthy = await runK6({ script: k6Script('service'), summaryFile: join(dir, 'a.json'), env });
    expect(healthy.verdict).to.equal('passed');
    failing = true;
    const broken = await runK6({ script: k6Script('service'), summaryFile: join(dir, 'b.json'), env });
    expect(broken.verdict).to.equal('slo-failed');
    expect(broken.summary.thresholds.find((t) => t.metric === 'http_req_failed')?.ok).to.equal(false);
  });
});
