import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import type { V1Lease } from '@kubernetes/client-node';
import { expect } from 'chai';
import { ExitCode } from '../src/errors.ts';
import { kubeFromFile } from '../src/kube/client.ts';
import { describeCluster } from '../src/kube/describe.ts';
import { watchUntil } from '../src/kube/watch-until.ts';
import type { LocalClusterSpec } from '../src/model/local-cluster-spec.ts';
import { gauntlet, isolatedStateDir, startGauntlet } from './helpers/cli.ts';
import { listeningPorts, processesOf } from './helpers/processes.ts';
import { pollUntil } from './helpers/wait.ts';

async function readSpec(state: string, name: string): Promise<LocalClusterSpec> {
  return JSON.parse(
    await readFile(join(state, 'clusters', name, 'cluster.json'), 'utf8'),
  ) as LocalClusterSpec;
}

/** Every TCP port a cluster's processes were told to listen on. */
function portsOf(spec: LocalClusterSpec): number[] {
  const ports = new Set<number>([Number(new URL(spec.endpoint).port)]);
  for (const c of spec.components) {
    for (const arg of c.args) {
      for (const m of arg.matchAll(/(?:127\.0\.0\.\d+:|--secure-port=)(\d+)/g)) ports.add(Number(m[1]));
    }
  }
  return [...ports];
}

/** GET path on a URL with the cluster's admin identity; resolves with the status code. */
async function getStatus(spec: LocalClusterSpec, url: string): Promise<number> {
  const pki = join(spec.dir, 'pki');
  const [ca, cert, key] = await Promise.all(
    ['ca.crt', 'admin.crt', 'admin.key'].map((f) => readFile(join(pki, f))),
  );
  return new Promise((resolve) => {
    const req = request(url, { ca, cert, key, timeout: 5000, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.end();
  });
}

/** The pid of one member of the embedded control plane: the process whose arguments are that member's. */
async function memberPid(spec: LocalClusterSpec, id: string): Promise<number | undefined> {
  const member = spec.components.find((c) => c.id === id)!;
  const wanted = member.args.join('\0');
  for (const p of await processesOf(spec.uid)) {
    const cmdline = (await readFile(`/proc/${p.pid}/cmdline`, 'utf8').catch(() => '')).split('\0');
    if (cmdline[0]?.endsWith(member.kind) && cmdline.slice(1).filter(Boolean).join('\0') === wanted)
      return p.pid;
  }
  return undefined;
}

describe('embedded cluster, single control plane', () => {
  let state: string;
  let env: Record<string, string>;
  let spec: LocalClusterSpec;

  before(async () => {
    state = await isolatedStateDir();
    env = { GAUNTLET_STATE_DIR: state };
    const up = await gauntlet(['cluster', 'up', '--name', 'single', '--json'], env);
    expect(up.exitCode, up.stderr).to.equal(0);
    spec = await readSpec(state, 'single');
  });

  after(async () => {
    if (spec) await gauntlet(['cluster', 'down', '--name', 'single'], env);
  });

  it('comes up with 9 nodes Ready, 3 in each of 3 zones, and prints where its kubeconfig is', async () => {
    const description = await describeCluster(kubeFromFile(spec.kubeconfig));
    expect(description.readyNodes).to.equal(9);
    expect(description.zones).to.deep.equal({
      'us-east-1a': { total: 3, ready: 3 },
      'us-east-1b': { total: 3, ready: 3 },
      'us-east-1c': { total: 3, ready: 3 },
    });
    const kubeconfig = await gauntlet(['cluster', 'kubeconfig', '--name', 'single'], env);
    expect(kubeconfig.stdout.trim()).to.equal(spec.kubeconfig);
  });

  it('runs the real control plane binaries at the pinned version, with TLS and RBAC', async () => {
    const kube = kubeFromFile(spec.kubeconfig);
    expect((await kube.version.getCode()).gitVersion).to.equal('v1.36.3');
    const kinds = spec.components.map((c) => c.kind).sort();
    expect(kinds).to.deep.equal([
      'coredns',
      'etcd',
      'kube-apiserver',
      'kube-controller-manager',
      'kube-scheduler',
      'kwok',
      'kwok',
      'kwok',
    ]);
    const apiserver = spec.components.find((c) => c.kind === 'kube-apiserver')!;
    expect(apiserver.args).to.include('--authorization-mode=Node,RBAC');
    expect(apiserver.args).to.include('--enable-admission-plugins=NodeRestriction');
    // Anonymous requests must not list nodes: authorization is real.
    const anonymous = await new Promise<number>((resolve) => {
      const req = request(
        `${spec.endpoint}/api/v1/nodes`,
        { rejectUnauthorized: false, agent: false },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', () => resolve(0));
      req.end();
    });
    expect(anonymous).to.be.oneOf([401, 403]);
  });

  it('`gauntlet run --cluster` runs the smoke suite against it: a Deployment rolls out to Running pods', async () => {
    const out = await isolatedStateDir();
    const run = await gauntlet(['run', '--cluster', 'single', '--suite', 'smoke', '--out', out], env);
    expect(run.exitCode, `${run.stdout}\n${run.stderr}`).to.equal(ExitCode.Passed);
    expect(run.stdout).to.contain('a Deployment rolls out to Running pods spread over the zones');
    const processes = await processesOf(spec.uid);
    expect(processes.length, 'a reused cluster is not torn down').to.be.greaterThan(0);
  });

  it('`cluster status` shows every component running and the nodes by zone', async () => {
    const status = await gauntlet(['cluster', 'status', '--name', 'single'], env);
    expect(status.exitCode).to.equal(0);
    for (const c of spec.components) expect(status.stdout).to.match(new RegExp(`${c.id}\\s+running`));
    expect(status.stdout).to.contain('us-east-1b: 3/3 nodes Ready');
  });

  it('the supervisor restarts a component that crashes (SIGKILL by hand, not by a fault)', async () => {
    const before = await memberPid(spec, 'kube-scheduler-0');
    expect(before, 'scheduler pid').to.be.a('number');
    process.kill(before!, 'SIGKILL');
    const after = await pollUntil(
      'a new kube-scheduler process',
      async () => {
        const pid = await memberPid(spec, 'kube-scheduler-0');
        return pid !== undefined && pid !== before ? pid : undefined;
      },
      30_000,
    );
    expect(after).to.not.equal(before);
    const status = await gauntlet(['cluster', 'status', '--name', 'single'], env);
    expect(status.stdout).to.match(/kube-scheduler-0\s+running/);
  });

  it('`cluster down` stops every process and frees every port', async () => {
    const ports = portsOf(spec);
    expect(await listeningPorts(ports), 'ports in use while up').to.not.be.empty;
    const down = await gauntlet(['cluster', 'down', '--name', 'single'], env);
    expect(down.exitCode).to.equal(0);
    expect(await processesOf(spec.uid)).to.deep.equal([]);
    expect(await listeningPorts(ports)).to.deep.equal([]);
    const again = await gauntlet(['cluster', 'down', '--name', 'single'], env);
    expect(again.exitCode, 'down is idempotent').to.equal(0);
  });
});

describe('embedded cluster, --ha', () => {
  let state: string;
  let env: Record<string, string>;
  let spec: LocalClusterSpec;

  before(async () => {
    state = await isolatedStateDir();
    env = { GAUNTLET_STATE_DIR: state };
    const up = await gauntlet(['cluster', 'up', '--name', 'ha', '--ha'], env);
    expect(up.exitCode, up.stderr).to.equal(0);
    spec = await readSpec(state, 'ha');
  });

  after(async () => {
    if (spec) await gauntlet(['cluster', 'down', '--name', 'ha'], env);
  });

  it('runs 3 etcd members, 3 apiservers, 2 controller managers and 2 schedulers', () => {
    const count = (kind: string) => spec.components.filter((c) => c.kind === kind).length;
    expect([
      count('etcd'),
      count('kube-apiserver'),
      count('kube-controller-manager'),
      count('kube-scheduler'),
    ]).to.deep.equal([3, 3, 2, 2]);
  });

  it('each of the 3 apiservers answers on its own address, and all through the one endpoint', async () => {
    for (const server of spec.apiServers)
      expect(await getStatus(spec, `${server.url}/readyz`), server.id).to.equal(200);
    const statuses = await Promise.all(
      Array.from({ length: 12 }, () => getStatus(spec, `${spec.endpoint}/readyz`)),
    );
    expect(statuses).to.deep.equal(Array(12).fill(200));
  });

  it('the endpoint keeps answering when one apiserver is SIGKILLed', async () => {
    const supervisor = JSON.parse(await readFile(join(spec.dir, 'supervisor.json'), 'utf8')) as {
      controlPort: number;
    };
    const control = `http://127.0.0.1:${supervisor.controlPort}/components/kube-apiserver-0`;
    const stopped = await fetch(`${control}/stop?signal=SIGKILL`, { method: 'POST' });
    expect(stopped.status).to.equal(200);
    try {
      expect(await getStatus(spec, `${spec.apiServers[0]!.url}/readyz`), 'killed apiserver').to.equal(0);
      const statuses = await Promise.all(
        Array.from({ length: 12 }, () => getStatus(spec, `${spec.endpoint}/readyz`)),
      );
      expect(statuses).to.deep.equal(Array(12).fill(200));
    } finally {
      await fetch(`${control}/start`, { method: 'POST' });
    }
  });

  it('fault targets: --labels, --zone, --count and --all --percent pick the nodes a dry run names (sorted by name); an unknown name exits 2', async () => {
    const kube = kubeFromFile(spec.kubeconfig);
    const nodes = (await kube.core.listNode()).items;
    const names = (pred: (labels: Record<string, string>) => boolean) =>
      nodes
        .filter((n) => pred(n.metadata?.labels ?? {}))
        .map((n) => n.metadata!.name!)
        .sort();
    const zone = spec.config.zones[1]!;
    const inZone = names((l) => l['topology.kubernetes.io/zone'] === zone);
    const all = names(() => true);
    expect(inZone.length, 'nodes in one zone').to.be.at.least(2);
    // The nodes a dry run would hang, in its order: one "annotate node/<name>" line per target.
    const picked = async (...selector: string[]) => {
      const r = await gauntlet(
        ['fault', 'inject', 'runtime-hang', '--cluster', 'ha', '--dry-run', ...selector],
        env,
      );
      expect(r.exitCode, r.stderr).to.equal(0);
      return [...r.stdout.matchAll(/^ {2}annotate node\/(\S+)/gm)].map((m) => m[1]);
    };
    expect(await picked('--labels', `topology.kubernetes.io/zone=${zone}`)).to.deep.equal(inZone);
    expect(await picked('--zone', zone)).to.deep.equal(inZone);
    expect(await picked('--zone', zone, '--count', '1')).to.deep.equal(inZone.slice(0, 1));
    expect(await picked('--all', '--percent', '50')).to.deep.equal(all.slice(0, Math.round(all.length / 2)));
    const unknown = await gauntlet(
      ['fault', 'inject', 'runtime-hang', '--cluster', 'ha', '--dry-run', '--names', 'no-such-node'],
      env,
    );
    expect(unknown.exitCode).to.equal(ExitCode.Usage);
    expect(unknown.stderr).to.contain('target.names: no such node no-such-node');
  });

  it('--leader picks the member that leads: its SIGKILL moves the Lease to the other member', async () => {
    const kube = kubeFromFile(spec.kubeconfig);
    const { CoordinationV1Api } = await import('@kubernetes/client-node');
    const leases = kube.config.makeApiClient(CoordinationV1Api);
    const role = 'kube-scheduler';
    const before = await leases.readNamespacedLease({ name: role, namespace: 'kube-system' });
    const dry = await gauntlet(
      ['fault', 'inject', 'control-plane-kill', '--cluster', 'ha', '--role', role, '--leader', '--dry-run'],
      env,
    );
    expect(dry.exitCode, dry.stderr).to.equal(0);
    const leader = /^ {2}SIGKILL (\S+)/m.exec(dry.stdout)?.[1];
    expect(spec.components.filter((c) => c.kind === role).map((c) => c.id)).to.include(leader);
    const inject = startGauntlet(
      [
        'fault',
        'inject',
        'control-plane-kill',
        '--cluster',
        'ha',
        '--role',
        role,
        '--leader',
        '--for',
        '120s',
      ],
      env,
    );
    try {
      // Had a standby been killed, the holder would stay: the watch would run out and fail the test.
      const fieldSelector = `metadata.name=${role}`;
      const leaseMs = (before.spec?.leaseDurationSeconds ?? 15) * 1000;
      await watchUntil<V1Lease, true>(kube, {
        list: () => leases.listNamespacedLease({ namespace: 'kube-system', fieldSelector }),
        path: '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases',
        query: { fieldSelector },
        done: ([lease]) => (lease && lease.spec?.holderIdentity !== before.spec?.holderIdentity) || undefined,
        what: `the ${role} Lease to move away from ${leader}`,
        timeoutMs: leaseMs + 15_000,
      });
    } finally {
      inject.kill('SIGINT');
      const result = await inject;
      expect(result.exitCode, String(result.stderr)).to.equal(130);
    }
  });

  it('control-plane-kill with replaceAfterSeconds: the member is down, then replaced while the fault is held', async () => {
    const id = 'kube-apiserver-2';
    const before = await memberPid(spec, id);
    expect(before, `${id} pid`).to.be.a('number');
    const inject = startGauntlet(
      [
        'fault',
        'inject',
        'control-plane-kill',
        '--cluster',
        'ha',
        '--role',
        'kube-apiserver',
        '--names',
        id,
        '--spec',
        '{"replaceAfterSeconds":2}',
        '--for',
        '120s',
      ],
      env,
    );
    try {
      const downAt = await pollUntil(
        `${id} killed`,
        async () => ((await memberPid(spec, id)) === undefined ? Date.now() : undefined),
        30_000,
      );
      const replaced = await pollUntil(
        `${id} replaced`,
        async () => {
          const pid = await memberPid(spec, id);
          return pid !== undefined ? pid : undefined;
        },
        30_000,
      );
      const downMs = Date.now() - downAt;
      expect(replaced).to.not.equal(before);
      // Replaced by the timer, not by the revert: the command still holds the fault.
      expect(inject.exitCode, 'inject still holding').to.equal(null);
      expect(downMs, 'down for about replaceAfterSeconds').to.be.within(1000, 15_000);
    } finally {
      inject.kill('SIGINT');
      const result = await inject;
      expect(result.exitCode, String(result.stderr)).to.equal(130);
    }
  });

  it('the controller manager and the scheduler elect one leader each', async () => {
    const kube = kubeFromFile(spec.kubeconfig);
    const { CoordinationV1Api } = await import('@kubernetes/client-node');
    const leases = kube.config.makeApiClient(CoordinationV1Api);
    for (const name of ['kube-controller-manager', 'kube-scheduler']) {
      const lease: V1Lease = await leases.readNamespacedLease({ name, namespace: 'kube-system' });
      expect(lease.spec?.holderIdentity, `${name} lease holder`).to.be.a('string').and.not.be.empty;
    }
  });
});
