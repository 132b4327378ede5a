import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';
import { InfrastructureError } from '../../src/errors.ts';
import { resolveTool, resolveTools } from '../../src/tools/index.ts';
import { goArch } from '../../src/tools/platform.ts';
import { closedPortUrl, type FileServer, isolateEnv, removeDir, serveFiles, tempDir } from './helpers.ts';

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
const arch = goArch();

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

describe('tools: download from a mirror', () => {
  let dir: string;
  let cache: string;
  let server: FileServer;
  let restoreEnv: () => void;
  const scheduler = Buffer.from('#!/bin/sh\necho scheduler from mirror\n');
  const schedulerPath = `/release/v1.36.3/bin/linux/${arch}/kube-scheduler`;

  before(function () {
    if (process.platform !== 'linux' || !arch) this.skip();
  });
  beforeEach(async () => {
    restoreEnv = isolateEnv();
    dir = await tempDir('download');
    cache = join(dir, 'cache');
    // No go on PATH (tar is needed, so keep the system dirs but hide Go's): a build attempt fails loudly.
    process.env.PATH = '/usr/bin:/bin';
    server = await serveFiles(new Map());
  });
  afterEach(async () => {
    await server.close();
    restoreEnv();
    await removeDir(dir);
  });

  it('downloads a verified binary, caches it executable with metadata, and uses the cache next time', async () => {
    server.files.set(schedulerPath, scheduler);
    server.files.set(`${schedulerPath}.sha256`, sha256(scheduler));
    const resolved = await resolveTool('kube-scheduler', { cacheDir: cache, mirror: `${server.url}/` });
    const expectedPath = join(cache, 'bin', 'kube-scheduler', 'v1.36.3', 'kube-scheduler');
    expect(resolved).to.deep.equal({
      name: 'kube-scheduler',
      version: 'v1.36.3',
      path: expectedPath,
      source: 'download',
    });
    expect(await readFile(expectedPath)).to.deep.equal(scheduler);
    await access(expectedPath, constants.X_OK);
    const meta = JSON.parse(
      await readFile(join(cache, 'bin', 'kube-scheduler', 'v1.36.3', 'meta.json'), 'utf8'),
    );
    expect(meta).to.include({ source: 'download', sha256: sha256(scheduler), size: scheduler.length });
    expect(meta.from).to.equal(`${server.url}${schedulerPath}`);
    const { stdout } = await execa(expectedPath);
    expect(stdout).to.equal('scheduler from mirror');

    const served = server.requests.length;
    const again = await resolveTool('kube-scheduler', { cacheDir: cache, mirror: server.url });
    expect(again.source).to.equal('cache');
    expect(server.requests.length).to.equal(served);
  });

  it('rejects a checksum mismatch, caches nothing and does not fall back to building', async () => {
    server.files.set(schedulerPath, scheduler);
    server.files.set(`${schedulerPath}.sha256`, sha256('something else'));
    let err: Error | undefined;
    try {
      await resolveTool('kube-scheduler', { cacheDir: cache, mirror: server.url, allowBuild: true });
    } catch (e) {
      err = e as Error;
    }
    expect(err).to.be.instanceOf(InfrastructureError);
    expect(err?.message).to.match(/kube-scheduler v1\.36\.3: checksum mismatch/);
    expect(err?.message).to.contain(sha256(scheduler));
    expect(await exists(join(cache, 'bin', 'kube-scheduler'))).to.equal(false);
    expect(await readdir(join(cache, 'tmp'))).to.deep.equal([]);
  });

  it('extracts both etcd binaries from one verified tarball', async () => {
    const stage = join(dir, 'stage');
    const top = `etcd-v3.6.16-linux-${arch}`;
    await mkdir(join(stage, top), { recursive: true });
    for (const name of ['etcd', 'etcdctl', 'etcdutl']) {
      await writeFile(join(stage, top, name), `#!/bin/sh\necho ${name}\n`, { mode: 0o755 });
    }
    await execa('tar', ['-czf', join(dir, `${top}.tar.gz`), '-C', stage, top]);
    const tarball = await readFile(join(dir, `${top}.tar.gz`));
    const base = '/etcd-io/etcd/releases/download/v3.6.16';
    server.files.set(`${base}/${top}.tar.gz`, tarball);
    server.files.set(
      `${base}/SHA256SUMS`,
      `${'0'.repeat(64)}  etcd-v3.6.16-darwin-arm64.zip\n${sha256(tarball)}  ${top}.tar.gz\n`,
    );

    const etcd = await resolveTool('etcd', { cacheDir: cache, mirror: server.url });
    expect(etcd.source).to.equal('download');
    expect((await execa(etcd.path)).stdout).to.equal('etcd');
    // The same download provided etcdctl: it is now a cache hit.
    const both = await resolveTools(['etcd', 'etcdctl'], { cacheDir: cache, mirror: server.url });
    expect(both.etcdctl.source).to.equal('cache');
    expect((await execa(both.etcdctl.path)).stdout).to.equal('etcdctl');
    expect(server.requests.filter((p) => p.endsWith('.tar.gz'))).to.have.length(1);
  });

  it('downloads once when two resolvers race for the same tool', async () => {
    server.files.set(schedulerPath, scheduler);
    server.files.set(`${schedulerPath}.sha256`, sha256(scheduler));
    const opts = { cacheDir: cache, mirror: server.url };
    const [a, b] = await Promise.all([
      resolveTool('kube-scheduler', opts),
      resolveTool('kube-scheduler', opts),
    ]);
    expect([a.source, b.source]).to.have.members(['download', 'cache']);
    expect(a.path).to.equal(b.path);
    expect(server.requests.filter((p) => p === schedulerPath)).to.have.length(1);
    expect(await exists(join(cache, 'locks', 'kubernetes-v1.36.3.lock'))).to.equal(false);
  });

  it('treats a missing checksum file as unavailable, never installing an unverified file', async () => {
    server.files.set(schedulerPath, scheduler);
    let err: Error | undefined;
    try {
      await resolveTool('kube-scheduler', { cacheDir: cache, mirror: server.url, allowBuild: false });
    } catch (e) {
      err = e as Error;
    }
    expect(err?.message).to.contain(`${schedulerPath}.sha256: HTTP 404`);
    expect(err?.message).to.contain('building is disabled');
    expect(server.requests).not.to.include(schedulerPath);
  });

  it('fails fast on an unreachable mirror and falls through to building', async function () {
    this.timeout(15_000);
    const mirror = await closedPortUrl();
    const started = Date.now();
    let err: Error | undefined;
    try {
      await resolveTool('kube-apiserver', { cacheDir: cache, mirror });
    } catch (e) {
      err = e as Error;
    }
    expect(Date.now() - started).to.be.below(10_000);
    // Building was attempted next: it is what failed (no go on PATH), not the download.
    expect(err?.message).to.match(
      /cannot build kube-apiserver, kube-controller-manager, kube-scheduler: no `go`/,
    );
    expect((await stat(cache)).isDirectory()).to.equal(true);
  });
});
