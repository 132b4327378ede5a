import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { execa, type ResultPromise } from 'execa';
import { hangScript } from '../../faults/aws/node-runtime-hang.ts';
import { pollUntil } from '../helpers/wait.ts';

/** The process state letter from /proc (T = stopped by a signal). */
async function procState(pid: number): Promise<string> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]!;
}

/**
 * The hang pod's script run for real on this machine, against a stand-in runtime process (a copy of sleep under
 * a unique name, so no real runtime is touched) and a stand-in API serving the pod's own object: real signals,
 * real HTTP polling. What only a real node adds (the kubelet's reaction) is not exercised here.
 */
describe('node-runtime-hang pod script: SIGSTOP the runtime, SIGCONT on deletion, on a bound, on doubt', () => {
  let dir: string;
  let runtimeBin: string;
  let runtimeName: string;
  let runtime: ResultPromise;
  let server: Server;
  let port: number;
  let deleting = false;
  const authorizations: string[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gauntlet-hang-'));
    // Short enough for the kernel's 15-character process name.
    runtimeName = `fakert-${randomBytes(3).toString('hex')}`;
    runtimeBin = join(dir, runtimeName);
    await copyFile('/bin/sleep', runtimeBin);
    await writeFile(join(dir, 'token'), 'the-service-account-token');
    server = createServer((req, res) => {
      authorizations.push(String(req.headers.authorization));
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          metadata: { name: 'hang', ...(deleting ? { deletionTimestamp: new Date().toISOString() } : {}) },
        }),
      );
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    port = (server.address() as { port: number }).port;
  });

  beforeEach(() => {
    deleting = false;
    runtime = execa(runtimeBin, ['300'], { reject: false });
  });

  afterEach(async () => {
    runtime.kill('SIGCONT');
    runtime.kill('SIGKILL');
    await runtime;
  });

  after(() => new Promise<void>((done) => server.close(() => done())));

  const run = (env: Record<string, string>) =>
    execa('sh', ['-c', hangScript], {
      reject: false,
      env: {
        RUNTIME: runtimeName,
        MAX_SECONDS: '60',
        TOKEN_FILE: join(dir, 'token'),
        POD_NAME: 'hang',
        POD_NAMESPACE: 'kube-system',
        API_URL: `http://127.0.0.1:${port}`,
        ...env,
      },
    });
  const untilState = (want: (s: string) => boolean, what: string) =>
    pollUntil(
      `the stand-in runtime ${what}`,
      async () => (want(await procState(runtime.pid!)) ? true : undefined),
      10_000,
      50,
    );

  it('stops the runtime, polls its own Pod with its token, and resumes the runtime once the Pod is being deleted', async () => {
    const script = run({});
    await untilState((s) => s === 'T', 'stopped');
    await pollUntil('a poll of the Pod', async () => (authorizations.length > 0 ? true : undefined), 10_000);
    expect(authorizations[0]).to.equal('Bearer the-service-account-token');
    expect(await procState(runtime.pid!)).to.equal('T');
    deleting = true;
    const result = await script;
    expect(result.exitCode, String(result.stderr)).to.equal(0);
    expect(String(result.stdout)).to.contain(`resumed ${runtimeName}`);
    expect(await procState(runtime.pid!)).to.not.equal('T');
  });

  it('resumes the runtime by itself after the maximum duration (the harness is gone)', async () => {
    const started = Date.now();
    const script = run({ MAX_SECONDS: '2' });
    await untilState((s) => s === 'T', 'stopped');
    const result = await script;
    expect(result.exitCode).to.equal(0);
    expect(await procState(runtime.pid!)).to.not.equal('T');
    expect(Date.now() - started).to.be.within(1500, 8000);
  });

  it('resumes at once when it cannot read its Pod (API unreachable or token revoked)', async () => {
    const result = await run({ API_URL: 'http://127.0.0.1:1' });
    expect(result.exitCode).to.equal(0);
    expect(String(result.stdout)).to.contain('stopped').and.contain('resumed');
    expect(await procState(runtime.pid!)).to.not.equal('T');
  });

  it('resumes the runtime when it is itself terminated (SIGTERM)', async () => {
    const script = run({});
    await untilState((s) => s === 'T', 'stopped');
    script.kill('SIGTERM');
    const result = await script;
    expect(String(result.stdout)).to.contain('resumed');
    expect(await procState(runtime.pid!)).to.not.equal('T');
  });

  it('changes nothing when the runtime is not running on the node', async () => {
    const result = await run({ RUNTIME: 'no-such-rt' });
    expect(result.exitCode).to.equal(1);
    expect(String(result.stdout)).to.contain('no no-such-rt process on this node');
  });
});
