import { readdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { expect } from 'chai';
import { ExitCode } from '../src/errors.ts';
import type { VegetaResult } from '../src/observe/load/vegeta-verdict.ts';
import { gauntlet, isolatedStateDir } from './helpers/cli.ts';

/** The real vegeta (built from github.com/tsenart/vegeta/v12, cached) against a local HTTP server. */
describe('gauntlet load service (vegeta) against a local HTTP server', () => {
  let server: Server;
  let base: string;
  let out: string;
  let served = 0;

  before(async () => {
    out = await isolatedStateDir();
    server = createServer((req, res) => {
      served++;
      // /flaky fails every other request; /slow answers after 30 ms; anything else at once.
      if (req.url === '/flaky' && served % 2 === 0) res.writeHead(500).end('no');
      else if (req.url === '/slow') setTimeout(() => res.writeHead(200).end('ok'), 30);
      else res.writeHead(200).end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  const attack = (path: string, ...args: string[]) =>
    gauntlet(
      [
        'load',
        'service',
        '--url',
        `${base}${path}`,
        '--out',
        out,
        '--rate',
        '50',
        '--duration',
        '2',
        ...args,
      ],
      {},
    );
  const lastResult = async (): Promise<VegetaResult> => {
    const [runId] = (await readdir(out)).sort().reverse();
    return JSON.parse(await readFile(join(out, runId!, 'load', 'service.json'), 'utf8')) as VegetaResult;
  };

  it('passes a healthy server: 100 requests at 50/s, judged by the harness, per-second buckets', async () => {
    const run = await attack('/ok');
    expect(run.exitCode, `${run.stdout}\n${run.stderr}`).to.equal(ExitCode.Passed);
    const r = await lastResult();
    expect(r).to.deep.include({ verdict: 'passed', requests: 100, successRatio: 1 });
    expect(r.codes).to.deep.equal({ '200': 100 });
    expect(r.seconds.reduce((n, s) => n + s.requests, 0)).to.equal(100);
    expect(r.seconds.length).to.be.within(2, 3);
    const timeline = (r as VegetaResult & { timeline: { ok: boolean }[] }).timeline;
    expect(timeline.map((s) => s.ok)).to.deep.equal(r.seconds.map(() => true));
  });

  it('fails when the success ratio is missed (exit 1, naming the ratio and the codes)', async () => {
    const run = await attack('/flaky');
    expect(run.exitCode, run.stdout).to.equal(ExitCode.CheckFailed);
    const timeline = ((await lastResult()) as VegetaResult & { timeline: { ok: boolean }[] }).timeline;
    expect(
      timeline.some((s) => !s.ok),
      'a second with failures is marked on the timeline',
    ).to.equal(true);
    expect(run.stdout).to.match(
      /^FAILED service success ratio 50\.00% < 99\.00% \(50 of 100 failed: \{"200":50,"500":50\}\)$/m,
    );
  });

  it('fails when the p99 is over its bound (exit 1, naming the figure)', async () => {
    const run = await attack('/slow', '--p99', '10');
    expect(run.exitCode, run.stdout).to.equal(ExitCode.CheckFailed);
    expect(run.stdout).to.match(/^FAILED service p99 \d+\.\d ms > 10 ms$/m);
    const r = await lastResult();
    expect(r.successRatio).to.equal(1);
    expect(r.p99Ms, 'the server answers after 30 ms').to.be.at.least(30);
  });
});

describe('gauntlet load service refuses a broken request before loading anything', () => {
  const refused = async (args: string[], message: string) => {
    const out = await isolatedStateDir();
    const run = await gauntlet(['load', 'service', ...args, '--out', out], {});
    expect(run.exitCode, `${run.stdout}\n${run.stderr}`).to.equal(ExitCode.Usage);
    expect(run.stderr).to.contain(message);
    expect(await readdir(out), 'no run directory').to.deep.equal([]);
  };

  it('names the flag or argument and what it expected', async () => {
    await refused([], 'give a Service as <namespace>/<name>, or --url, not both');
    await refused(['default/web', '--url', 'http://127.0.0.1:1/'], 'or --url, not both');
    await refused(['web', '--cluster', 'x'], 'expected a Service as <namespace>/<name>, got "web"');
    await refused(['default/web', '--from', 'sideways'], '--from expects inside or outside, got "sideways"');
    await refused(['--url', 'http://127.0.0.1:1/', '--from', 'inside'], '--from inside loads a Service');
    await refused(['default/web', '--path', 'x'], '--path must start with /, got "x"');
    await refused(['default/web', '--rate', '0'], '--rate expects a positive number, got "0"');
    await refused(
      ['default/web', '--from', 'inside', '--rate', '1000', '--duration', '60'],
      '--from inside sends at most 20000 requests',
    );
    await refused(['default/web'], 'load service: give --cluster NAME or --kubeconfig FILE');
  });
});
