import { expect } from 'chai';
import { kubeLdflags, stagingVersion } from '../../src/tools/catalog.ts';
import { expectedSha256 } from '../../src/tools/checksum.ts';
import { parseGoMod, toolsGo, wrapperGoMod } from '../../src/tools/go-mod.ts';

const KUBE_GO_MOD = `// This is a generated file. Do not edit directly.

module k8s.io/kubernetes

go 1.26.0

godebug default=go1.26

require (
	github.com/spf13/cobra v1.10.2
	k8s.io/api v0.0.0
	k8s.io/apimachinery v0.0.0 // indirect
	k8s.io/client-go v0.0.0
)

replace (
	k8s.io/api => ./staging/src/k8s.io/api
	k8s.io/apimachinery => ./staging/src/k8s.io/apimachinery
	k8s.io/client-go => ./staging/src/k8s.io/client-go
	k8s.io/sample-controller => ./staging/src/k8s.io/sample-controller
)

replace github.com/spf13/cobra v1.10.2 => github.com/spf13/cobra v1.10.1
`;

const ETCD_SERVER_GO_MOD = `module go.etcd.io/etcd/server/v3

go 1.25.0

toolchain go1.26.10

godebug (
	x509negativeserial=1
)

require (
	go.etcd.io/etcd/api/v3 v3.6.16
	go.etcd.io/etcd/client/v3 v3.6.16
)

replace (
	go.etcd.io/etcd/api/v3 => ../api
	go.etcd.io/etcd/client/v3 => ../client/v3
)

// Bad imports are sometimes causing attempts to pull that code.
replace go.etcd.io/etcd => ./FORBIDDEN_DEPENDENCY

replace go.etcd.io/tests/v3 => ./FORBIDDEN_DEPENDENCY
`;

const ETCDCTL_GO_MOD = `module go.etcd.io/etcd/etcdctl/v3

go 1.26.0

require (
	go.etcd.io/etcd/api/v3 v3.6.16
	go.etcd.io/etcd/pkg/v3 v3.6.16
	go.etcd.io/etcd/server/v3 v3.6.16
)

replace (
	go.etcd.io/etcd/api/v3 => ../api
	go.etcd.io/etcd/pkg/v3 => ../pkg
	go.etcd.io/etcd/server/v3 => ../server
)
`;

describe('tools: wrapper go.mod generation', () => {
  it('parses directives in blocks and on single lines, ignoring comments', () => {
    const mod = parseGoMod(KUBE_GO_MOD);
    expect(mod.module).to.equal('k8s.io/kubernetes');
    expect(mod.go).to.equal('1.26.0');
    expect(mod.godebug).to.deep.equal(['default=go1.26']);
    expect(mod.requires).to.deep.include({ path: 'k8s.io/apimachinery', version: 'v0.0.0' });
    expect(mod.replaces).to.deep.include({ from: 'k8s.io/api', to: './staging/src/k8s.io/api' });
    expect(mod.replaces).to.deep.include({
      from: 'github.com/spf13/cobra',
      fromVersion: 'v1.10.2',
      to: 'github.com/spf13/cobra',
      toVersion: 'v1.10.1',
    });
  });

  it('maps Kubernetes staging replaces to v0.Y.Z and copies go and godebug', () => {
    const text = wrapperGoMod({
      module: 'gauntlet.local/build/kubernetes',
      upstreams: [{ path: 'k8s.io/kubernetes', version: 'v1.36.3', goMod: KUBE_GO_MOD }],
      replacementVersion: () => stagingVersion('v1.36.3'),
    });
    expect(text).to.equal(
      [
        'module gauntlet.local/build/kubernetes\n',
        'go 1.26.0\n',
        'godebug default=go1.26\n',
        'require k8s.io/kubernetes v1.36.3\n',
        'replace (',
        '\tgithub.com/spf13/cobra v1.10.2 => github.com/spf13/cobra v1.10.1',
        '\tk8s.io/api => k8s.io/api v0.36.3',
        '\tk8s.io/apimachinery => k8s.io/apimachinery v0.36.3',
        '\tk8s.io/client-go => k8s.io/client-go v0.36.3',
        ')\n',
      ].join('\n'),
    );
    // Not required by the upstream, so not replaced.
    expect(text).not.to.contain('sample-controller');
  });

  it('merges several upstreams, drops FORBIDDEN_DEPENDENCY and self-replaces, leaves out toolchain', () => {
    const text = wrapperGoMod({
      module: 'gauntlet.local/build/etcd',
      upstreams: [
        { path: 'go.etcd.io/etcd/server/v3', version: 'v3.6.16', goMod: ETCD_SERVER_GO_MOD },
        { path: 'go.etcd.io/etcd/etcdctl/v3', version: 'v3.6.16', goMod: ETCDCTL_GO_MOD },
      ],
      replacementVersion: () => 'v3.6.16',
    });
    expect(text).to.contain('go 1.26.0\n'); // the highest of 1.25.0 and 1.26.0
    expect(text).to.contain('godebug x509negativeserial=1\n');
    expect(text).not.to.contain('toolchain');
    expect(text).not.to.contain('FORBIDDEN');
    expect(text).to.contain(
      'require (\n\tgo.etcd.io/etcd/server/v3 v3.6.16\n\tgo.etcd.io/etcd/etcdctl/v3 v3.6.16\n)\n',
    );
    const replaced = parseGoMod(text).replaces.map((r) => `${r.from} => ${r.to} ${r.toVersion}`);
    expect(replaced).to.deep.equal([
      'go.etcd.io/etcd/api/v3 => go.etcd.io/etcd/api/v3 v3.6.16',
      'go.etcd.io/etcd/client/v3 => go.etcd.io/etcd/client/v3 v3.6.16',
      'go.etcd.io/etcd/pkg/v3 => go.etcd.io/etcd/pkg/v3 v3.6.16',
    ]);
  });

  it('writes a tools.go that blank-imports the main packages behind a build tag', () => {
    expect(toolsGo(['a.example/cmd/x', 'a.example/cmd/y'])).to.equal(
      '//go:build tools\n\npackage tools\n\nimport (\n\t_ "a.example/cmd/x"\n\t_ "a.example/cmd/y"\n)\n',
    );
  });

  it('stamps Kubernetes versions into component-base and client-go', () => {
    const flags = kubeLdflags('v1.36.3');
    expect(flags.startsWith('-s -w ')).to.equal(true);
    for (const pkg of ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version']) {
      expect(flags).to.contain(`-X ${pkg}.gitVersion=v1.36.3 -X ${pkg}.gitMajor=1 -X ${pkg}.gitMinor=36`);
    }
  });
});

describe('tools: checksum files', () => {
  const digest = 'ab'.repeat(32);
  it('reads a bare digest (dl.k8s.io .sha256)', () => {
    expect(expectedSha256(`${digest}\n`, 'kube-apiserver')).to.equal(digest);
  });
  it('picks the named line of a SHA256SUMS file', () => {
    const text = `${'cd'.repeat(32)}  etcd-v3.6.16-darwin-arm64.zip\n${digest}  etcd-v3.6.16-linux-amd64.tar.gz\n`;
    expect(expectedSha256(text, 'etcd-v3.6.16-linux-amd64.tar.gz')).to.equal(digest);
    expect(expectedSha256(text, 'etcd-v3.6.16-linux-s390x.tar.gz')).to.equal(undefined);
  });
  it('accepts binary-mode markers and rejects non-digests', () => {
    expect(
      expectedSha256(`${digest} *coredns_1.14.7_linux_amd64.tgz`, 'coredns_1.14.7_linux_amd64.tgz'),
    ).to.equal(digest);
    expect(expectedSha256('<html>not found</html>', 'x')).to.equal(undefined);
  });
});
