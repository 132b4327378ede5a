import { constants } from 'node:fs';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';
import { InfrastructureError } from '../../src/errors.ts';
import type { Progress } from '../../src/log.ts';
import { resolveTool, resolveTools } from '../../src/tools/index.ts';
import { closedPortUrl, isolateEnv, removeDir, tempDir } from './helpers.ts';

/**
 * A stand-in `go` that records each invocation and writes small executables where the real one would
 * write binaries. It tests our orchestration (which commands, flags, directories, caching, locking);
 * that a real build of these modules works is what the warm-up build and `gauntlet tools install` show.
 */
const FAKE_GO = `#!${process.execPath}
const fs = require('node:fs');
const path = require('node:path');
const args = process.argv.slice(2);
const record = { cwd: process.cwd(), args, GOBIN: process.env.GOBIN, GOWORK: process.env.GOWORK };
if (args[0] === 'mod' && args[1] === 'tidy') {
  record.goMod = fs.readFileSync('go.mod', 'utf8');
  record.toolsGo = fs.readFileSync('tools.go', 'utf8');
}
fs.appendFileSync(process.env.FAKE_GO_LOG, JSON.stringify(record) + '\\n');
const binName = (pkg) => {
  const parts = pkg.replace(/@.*$/, '').split('/');
  const last = parts.pop();
  return /^v[0-9]+$/.test(last) ? parts.pop() : last;
};
const emit = (dir, pkg) => {
  const file = path.join(dir, binName(pkg));
  fs.writeFileSync(file, '#!/bin/sh\\necho built ' + pkg + '\\n', { mode: 0o755 });
  process.stderr.write(pkg + '\\n');
};
if (args[0] === 'mod' && args[1] === 'download') {
  const [mod, version] = args[3].split('@');
  const goMod = path.join(process.env.FAKE_GO_MODS, mod.replace(/\\//g, '_') + '@' + version + '.mod');
  console.log(JSON.stringify({ Path: mod, Version: version, GoMod: goMod }, null, '\\t'));
} else if (args[0] === 'build' || args[0] === 'install') {
  if (process.env.FAKE_GO_FAIL) {
    for (let i = 1; i <= 60; i++) process.stderr.write('compiling line ' + i + '\\n');
    process.stderr.write('pkg/x.go:1:1: undefined: Frobnicate\\n');
    process.exit(1);
  }
  const pkgs = args.filter((a, i) => i > 0 && !a.startsWith('-') && !['-ldflags', '-o'].includes(args[i - 1]));
  const out = args[0] === 'build' ? args[args.indexOf('-o') + 1] : process.env.GOBIN;
  for (const pkg of pkgs) emit(out, pkg);
}
`;

const KUBE_MOD = `module k8s.io/kubernetes

go 1.26.0

godebug default=go1.26

require (
	k8s.io/api v0.0.0
	k8s.io/component-base v0.0.0
)

replace (
	k8s.io/api => ./staging/src/k8s.io/api
	k8s.io/component-base => ./staging/src/k8s.io/component-base
)
`;

const ETCD_SERVER_MOD = `module go.etcd.io/etcd/server/v3

go 1.26.0

require go.etcd.io/etcd/api/v3 v3.6.16

replace go.etcd.io/etcd/api/v3 => ../api

replace go.etcd.io/etcd => ./FORBIDDEN_DEPENDENCY
`;

const ETCDCTL_MOD = `module go.etcd.io/etcd/etcdctl/v3

go 1.26.0

require go.etcd.io/etcd/pkg/v3 v3.6.16

replace go.etcd.io/etcd/pkg/v3 => ../pkg
`;

/** The exact flags of the warm-up build (/tmp/gb/build.sh), so our build reuses its Go build cache. */
const KUBE_LDFLAGS = [
  '-s -w',
  ...['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version'].map(
    (p) =>
      `-X ${p}.gitVersion=v1.36.3 -X ${p}.gitMajor=1 -X ${p}.gitMinor=36 -X ${p}.gitTreeState=clean -X ${p}.buildDate=2026-01-01T00:00:00Z`,
  ),
].join(' ');

interface Invocation {
  cwd: string;
  args: string[];
  GOBIN?: string;
  GOWORK?: string;
  goMod?: string;
  toolsGo?: string;
}

describe('tools: building from Go modules', () => {
  let dir: string;
  let cache: string;
  let log: string;
  let restoreEnv: () => void;
  let unreachable: string;
  const steps: string[] = [];
  const progress: Progress = { step: (m) => steps.push(m), detail: () => {} };

  async function invocations(): Promise<Invocation[]> {
    const text = await readFile(log, 'utf8').catch(() => '');
    return text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Invocation);
  }

  beforeEach(async () => {
    restoreEnv = isolateEnv();
    dir = await tempDir('gobuild');
    cache = join(dir, 'cache');
    log = join(dir, 'go.log');
    const bin = join(dir, 'bin');
    const mods = join(dir, 'mods');
    await mkdir(bin);
    await mkdir(mods);
    await writeFile(join(bin, 'go'), FAKE_GO, { mode: 0o755 });
    await writeFile(join(mods, 'k8s.io_kubernetes@v1.36.3.mod'), KUBE_MOD);
    await writeFile(join(mods, 'go.etcd.io_etcd_server_v3@v3.6.16.mod'), ETCD_SERVER_MOD);
    await writeFile(join(mods, 'go.etcd.io_etcd_etcdctl_v3@v3.6.16.mod'), ETCDCTL_MOD);
    process.env.PATH = `${bin}:/usr/bin:/bin`;
    process.env.FAKE_GO_LOG = log;
    process.env.FAKE_GO_MODS = mods;
    unreachable = await closedPortUrl();
    steps.length = 0;
  });
  afterEach(async () => {
    restoreEnv();
    await removeDir(dir);
  });

  it('builds the Kubernetes group once from a wrapper module with version stamps, and caches all three', async () => {
    // The mirror is unreachable: resolution must fall through to the build.
    const resolved = await resolveTool('kube-scheduler', { cacheDir: cache, mirror: unreachable, progress });
    expect(resolved).to.deep.equal({
      name: 'kube-scheduler',
      version: 'v1.36.3',
      path: join(cache, 'bin', 'kube-scheduler', 'v1.36.3', 'kube-scheduler'),
      source: 'build',
    });
    expect((await execa(resolved.path)).stdout).to.equal('built k8s.io/kubernetes/cmd/kube-scheduler');

    const calls = await invocations();
    expect(calls.map((c) => c.args.slice(0, 2).join(' '))).to.deep.equal([
      'mod download',
      'mod tidy',
      'build -v',
    ]);
    expect(calls.every((c) => c.GOWORK === 'off')).to.equal(true);
    expect(calls[0]?.args).to.deep.equal(['mod', 'download', '-json', 'k8s.io/kubernetes@v1.36.3']);
    const tidy = calls[1] as Invocation;
    expect(tidy.goMod).to.equal(
      'module gauntlet.local/build/kubernetes\n\ngo 1.26.0\n\ngodebug default=go1.26\n\n' +
        'require k8s.io/kubernetes v1.36.3\n\nreplace (\n' +
        '\tk8s.io/api => k8s.io/api v0.36.3\n\tk8s.io/component-base => k8s.io/component-base v0.36.3\n)\n',
    );
    expect(tidy.toolsGo).to.contain('_ "k8s.io/kubernetes/cmd/kube-controller-manager"');
    const buildArgs = (calls[2] as Invocation).args;
    expect(buildArgs.slice(0, 4)).to.deep.equal(['build', '-v', '-ldflags', KUBE_LDFLAGS]);
    expect(buildArgs.slice(-3)).to.deep.equal([
      'k8s.io/kubernetes/cmd/kube-apiserver',
      'k8s.io/kubernetes/cmd/kube-controller-manager',
      'k8s.io/kubernetes/cmd/kube-scheduler',
    ]);
    expect((calls[2] as Invocation).cwd).to.equal(tidy.cwd);

    // The other members were cached by the same build: no second go invocation.
    const all = await resolveTools(['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'], {
      cacheDir: cache,
      allowDownload: false,
    });
    expect(Object.values(all).map((t) => t.source)).to.deep.equal(['cache', 'cache', 'cache']);
    expect(await invocations()).to.have.length(3);
    const meta = JSON.parse(
      await readFile(join(cache, 'bin', 'kube-apiserver', 'v1.36.3', 'meta.json'), 'utf8'),
    );
    expect(meta).to.include({
      source: 'build',
      from: 'go wrapper k8s.io/kubernetes/cmd/kube-apiserver@v1.36.3',
    });
    expect(steps.some((s) => s.startsWith('download unavailable:') && s.includes('ECONNREFUSED'))).to.equal(
      true,
    );
  });

  it('builds etcd and etcdctl together, naming the server binary etcd', async () => {
    const both = await resolveTools(['etcdctl', 'etcd'], { cacheDir: cache, allowDownload: false });
    expect(both.etcd.source).to.equal('build');
    expect(both.etcdctl.source).to.equal('build');
    expect((await execa(both.etcd.path)).stdout).to.equal('built go.etcd.io/etcd/server/v3');
    const calls = await invocations();
    expect(calls.filter((c) => c.args[0] === 'build')).to.have.length(1);
    const tidy = calls.find((c) => c.args[1] === 'tidy') as Invocation;
    expect(tidy.goMod).to.contain(
      'require (\n\tgo.etcd.io/etcd/server/v3 v3.6.16\n\tgo.etcd.io/etcd/etcdctl/v3 v3.6.16\n)',
    );
    expect(tidy.goMod).to.contain('\tgo.etcd.io/etcd/api/v3 => go.etcd.io/etcd/api/v3 v3.6.16\n');
    expect(tidy.goMod).to.contain('\tgo.etcd.io/etcd/pkg/v3 => go.etcd.io/etcd/pkg/v3 v3.6.16\n');
    expect(tidy.goMod).not.to.contain('FORBIDDEN');
    const build = calls.find((c) => c.args[0] === 'build') as Invocation;
    expect(build.args.slice(2, 4)).to.deep.equal(['-ldflags', '-s -w']);
  });

  it('go-installs kwok and kwokctl into a private GOBIN, once even when two resolvers race', async () => {
    const opts = { cacheDir: cache, allowDownload: false };
    const [kwok, kwokctl] = await Promise.all([resolveTool('kwok', opts), resolveTool('kwokctl', opts)]);
    const sources = [kwok.source, kwokctl.source];
    expect(sources).to.include('build');
    await access(kwokctl.path, constants.X_OK);
    const installs = (await invocations()).filter((c) => c.args[0] === 'install');
    expect(installs).to.have.length(1);
    expect(installs[0]?.args).to.deep.equal([
      'install',
      '-v',
      '-ldflags',
      '-s -w',
      'sigs.k8s.io/kwok/cmd/kwok@v0.8.0',
      'sigs.k8s.io/kwok/cmd/kwokctl@v0.8.0',
    ]);
    expect(installs[0]?.GOBIN).to.match(/\/tmp\/build-kwok-[^/]+\/out$/);
  });

  it('names the binaries and shows the tail of go output when a build fails, caching nothing', async () => {
    process.env.FAKE_GO_FAIL = '1';
    let err: Error | undefined;
    try {
      await resolveTool('coredns', { cacheDir: cache, allowDownload: false });
    } catch (e) {
      err = e as Error;
    }
    expect(err).to.be.instanceOf(InfrastructureError);
    expect(err?.message).to.match(
      /^cannot build coredns: `go install .*github\.com\/coredns\/coredns@v1\.14\.7` failed/,
    );
    expect(err?.message).to.contain('pkg/x.go:1:1: undefined: Frobnicate');
    expect(err?.message).to.contain('compiling line 60');
    expect(err?.message).not.to.contain('compiling line 10\n');
    const cached = await access(join(cache, 'bin', 'coredns')).then(
      () => true,
      () => false,
    );
    expect(cached).to.equal(false);
  });
});
