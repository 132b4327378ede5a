import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { InfrastructureError } from '../../src/errors.ts';
import { toolVersion } from '../../src/tools/catalog.ts';
import { listTools, resolveTool } from '../../src/tools/index.ts';
import { isolateEnv, removeDir, seedCache, tempDir, writeExecutable } from './helpers.ts';

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('tools: explicit paths and the cache', () => {
  let dir: string;
  let cache: string;
  let restoreEnv: () => void;
  const kwokVersion = toolVersion('kwok');

  beforeEach(async () => {
    restoreEnv = isolateEnv();
    dir = await tempDir('tools');
    cache = join(dir, 'cache');
    // No `go` anywhere on PATH: if resolution tried to build, it would fail loudly.
    const emptyBin = join(dir, 'empty-bin');
    await mkdir(emptyBin);
    process.env.PATH = emptyBin;
  });
  afterEach(async () => {
    restoreEnv();
    await removeDir(dir);
  });

  it('picks a cached binary without building or downloading', async () => {
    const path = await seedCache(cache, 'kwok', kwokVersion);
    const resolved = await resolveTool('kwok', { cacheDir: cache, allowBuild: true, allowDownload: true });
    expect(resolved).to.deep.equal({ name: 'kwok', version: kwokVersion, path, source: 'cache' });
  });

  it('would have built without the cache entry (the contrast that makes the test above meaningful)', async () => {
    const err = await rejection(resolveTool('kwok', { cacheDir: cache, allowDownload: false }));
    expect(err).to.be.instanceOf(InfrastructureError);
    expect(err.message).to.match(/cannot build kwok, kwokctl: no `go` on PATH/);
  });

  it('ignores an entry without metadata or with the wrong size (an interrupted install)', async () => {
    await seedCache(cache, 'kwok', kwokVersion, { size: 1 });
    let err = await rejection(
      resolveTool('kwok', { cacheDir: cache, allowDownload: false, allowBuild: false }),
    );
    expect(err.message).to.match(
      /kwok v0\.8\.0: not in the cache .* building is disabled\. Set GAUNTLET_BIN_KWOK=/,
    );

    await seedCache(cache, 'kwok', kwokVersion);
    await writeFile(join(cache, 'bin', 'kwok', kwokVersion, 'meta.json'), '{');
    err = await rejection(resolveTool('kwok', { cacheDir: cache, allowDownload: false, allowBuild: false }));
    expect(err.message).to.contain('not in the cache');
  });

  it('prefers an explicit path over the cache, and the environment over the config', async () => {
    await seedCache(cache, 'kube-apiserver', toolVersion('kube-apiserver'));
    const fromConfig = await writeExecutable(join(dir, 'my-apiserver'));
    const resolved = await resolveTool('kube-apiserver', {
      cacheDir: cache,
      explicitPaths: { 'kube-apiserver': fromConfig },
    });
    expect(resolved).to.deep.equal({
      name: 'kube-apiserver',
      version: 'unknown',
      path: fromConfig,
      source: 'path',
    });

    const fromEnv = await writeExecutable(join(dir, 'env-apiserver'));
    process.env.GAUNTLET_BIN_KUBE_APISERVER = fromEnv;
    const again = await resolveTool('kube-apiserver', {
      cacheDir: cache,
      explicitPaths: { 'kube-apiserver': fromConfig },
    });
    expect(again.path).to.equal(fromEnv);
  });

  it('looks a bare explicit name up on PATH', async () => {
    const bin = join(dir, 'bin');
    await mkdir(bin);
    const etcd = await writeExecutable(join(bin, 'etcd-3.6'));
    process.env.PATH = bin;
    const resolved = await resolveTool('etcd', { cacheDir: cache, explicitPaths: { etcd: 'etcd-3.6' } });
    expect(resolved.path).to.equal(etcd);
  });

  it('fails clearly on a missing or non-executable explicit path, even with a cache entry', async () => {
    await seedCache(cache, 'etcd', toolVersion('etcd'));
    const missing = join(dir, 'nope', 'etcd');
    let err = await rejection(resolveTool('etcd', { cacheDir: cache, explicitPaths: { etcd: missing } }));
    expect(err).to.be.instanceOf(InfrastructureError);
    expect(err.message).to.equal(
      `etcd: the path given by config tools.etcd does not exist or is not an executable file: ${missing}`,
    );

    const plain = join(dir, 'etcd.txt');
    await writeFile(plain, 'not a program');
    process.env.GAUNTLET_BIN_ETCD = plain;
    err = await rejection(resolveTool('etcd', { cacheDir: cache }));
    expect(err.message).to.contain(`etcd: the path given by GAUNTLET_BIN_ETCD`);
    expect(err.message).to.contain(plain);
  });

  it('lists every tool with its version, what is cached and what is chosen, without building', async () => {
    const cached = await seedCache(cache, 'coredns', toolVersion('coredns'));
    const mine = await writeExecutable(join(dir, 'my-kwokctl'));
    const rows = await listTools({
      cacheDir: cache,
      explicitPaths: { kwokctl: mine, etcd: join(dir, 'gone') },
    });
    expect(rows.map((r) => r.name)).to.have.members([
      'etcd',
      'etcdctl',
      'kube-apiserver',
      'kube-controller-manager',
      'kube-scheduler',
      'kwok',
      'kwokctl',
      'coredns',
      'vegeta',
      'kubelet',
      'kube-proxy',
      'containerd',
      'ctr',
      'containerd-shim-runc-v2',
      'runc',
      'cni-bridge',
      'cni-host-local',
      'cni-loopback',
      'cni-portmap',
    ]);
    expect(rows.find((r) => r.name === 'coredns')).to.deep.equal({
      name: 'coredns',
      version: 'v1.14.7',
      cached: true,
      source: 'cache',
      path: cached,
    });
    expect(rows.find((r) => r.name === 'kwokctl')).to.deep.equal({
      name: 'kwokctl',
      version: 'v0.8.0',
      cached: false,
      source: 'path',
      path: mine,
    });
    expect(rows.find((r) => r.name === 'etcd')).to.deep.equal({
      name: 'etcd',
      version: 'v3.6.16',
      cached: false,
      source: 'path',
    });
    expect(rows.find((r) => r.name === 'kube-apiserver')).to.deep.equal({
      name: 'kube-apiserver',
      version: 'v1.36.3',
      cached: false,
    });
  });
});
