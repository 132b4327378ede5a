import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import type { V1Pod } from '@kubernetes/client-node';
import { expect } from 'chai';
import { ExitCode } from '../../src/errors.ts';
import { type Kube, kubeFromFile } from '../../src/kube/client.ts';
import { watchUntil } from '../../src/kube/watch-until.ts';
import type { LocalClusterSpec } from '../../src/model/local-cluster-spec.ts';
import type { VegetaResult } from '../../src/observe/load/vegeta-verdict.ts';
import { gauntlet, isolatedStateDir } from '../helpers/cli.ts';
import {
  hostIptables,
  hostTraces,
  podExec,
  portForwardGet,
  realNodesOrSkip,
  waitForPodsRunning,
} from '../helpers/real-nodes.ts';

const ns = 'default';
const toolbox = 'gauntlet.dev/toolbox:1';

/** An HTTP server pod (busybox httpd) answering its own pod name, on a given real node. */
function webPod(name: string, node: string): V1Pod {
  return {
    metadata: { name, labels: { app: 'web' } },
    spec: {
      nodeName: node,
      containers: [
        {
          name: 'web',
          image: toolbox,
          imagePullPolicy: 'IfNotPresent',
          command: [
            '/bin/sh',
            '-c',
            'echo "served by $(hostname)"; hostname > /var/www/index.html; exec httpd -f -p 8080 -h /var/www',
          ],
          ports: [{ containerPort: 8080 }],
          readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 },
        },
      ],
    },
  };
}

function httpGet(address: string, port: number): string[] {
  return ['/bin/sh', '-c', `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 ${address} ${port} | tail -n 1`];
}

describe('real nodes: kubelet + containerd sandboxes in the embedded cluster', function () {
  this.timeout(240_000);
  let state: string;
  let env: Record<string, string>;
  let spec: LocalClusterSpec;
  let kube: Kube;
  let iptablesBefore: string;
  let upMs: number;

  before(async function () {
    await realNodesOrSkip(this);
    state = await isolatedStateDir();
    env = { GAUNTLET_STATE_DIR: state };
    iptablesBefore = await hostIptables();
    const started = Date.now();
    const up = await gauntlet(
      ['cluster', 'up', '--name', 'real', '--real-nodes', '2', '--nodes-per-zone', '1'],
      env,
    );
    upMs = Date.now() - started;
    expect(up.exitCode, up.stderr).to.equal(0);
    spec = JSON.parse(
      await readFile(join(state, 'clusters', 'real', 'cluster.json'), 'utf8'),
    ) as LocalClusterSpec;
    kube = kubeFromFile(spec.kubeconfig);
  });

  after(async () => {
    if (spec) await gauntlet(['cluster', 'down', '--name', 'real'], env);
  });

  it('comes up with its real nodes Ready, and `cluster status` tells real from simulated', async () => {
    expect(upMs).to.be.below(60_000);
    const status = await gauntlet(['cluster', 'status', '--name', 'real'], env);
    expect(status.exitCode, status.stderr).to.equal(0);
    const rows = status.stdout.split('\n').filter((l) => /^\s+(real|kwok)-/.test(l));
    expect(rows.filter((r) => /\sreal\s/.test(r) && /\sReady\s/.test(r))).to.have.length(2);
    expect(rows.filter((r) => /\ssimulated\s/.test(r))).to.have.length(3);
    const nodes = (await kube.core.listNode({ labelSelector: 'gauntlet.dev/node-kind=real' })).items;
    expect(nodes.map((n) => n.status?.nodeInfo?.kubeletVersion)).to.deep.equal(['v1.36.3', 'v1.36.3']);
    expect(nodes.map((n) => n.status?.nodeInfo?.containerRuntimeVersion)).to.deep.equal([
      'containerd://2.4.2',
      'containerd://2.4.2',
    ]);
    expect(nodes.map((n) => n.metadata?.labels?.['topology.kubernetes.io/zone']).sort()).to.deep.equal([
      'us-east-1a',
      'us-east-1b',
    ]);
  });

  it('runs pods with IPs from the node CIDR; logs, exec and port-forward reach them', async () => {
    const [a, b] = spec.realNodes!.nodes;
    await kube.core.createNamespacedPod({ namespace: ns, body: webPod('web-a', a!.name) });
    await kube.core.createNamespacedPod({ namespace: ns, body: webPod('web-b', b!.name) });
    const pods = await waitForPodsRunning(kube, ns, 'app=web', 2);
    for (const pod of pods) {
      const node = spec.realNodes!.nodes.find((n) => n.name === pod.spec?.nodeName)!;
      expect(pod.status?.podIP?.startsWith(node.podCidr.replace(/0\/24$/, ''))).to.equal(
        true,
        pod.status?.podIP,
      );
    }
    const log = await kube.core.readNamespacedPodLog({ name: 'web-a', namespace: ns });
    expect(log).to.contain('served by web-a');
    expect(await podExec(kube, ns, 'web-a', ['cat', '/var/www/index.html'])).to.equal('web-a\n');
    expect(await portForwardGet(kube, ns, 'web-b', 8080)).to.contain('web-b');
  });

  it('carries pod traffic across nodes and through a Service VIP (kube-proxy) to every endpoint', async () => {
    await kube.core.createNamespacedService({
      namespace: ns,
      body: {
        metadata: { name: 'web' },
        spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
      },
    });
    const pods = await waitForPodsRunning(kube, ns, 'app=web', 2);
    const b = pods.find((p) => p.metadata?.name === 'web-b')!;
    // web-a (node a) to web-b's pod IP (node b): routed between the node namespaces, no NAT.
    expect(await podExec(kube, ns, 'web-a', httpGet(b.status!.podIP!, 8080))).to.contain('web-b');
    const vip = (await kube.core.readNamespacedService({ name: 'web', namespace: ns })).spec!.clusterIP!;
    const seen = new Set<string>();
    for (let n = 0; n < 20 && seen.size < 2; n++)
      seen.add((await podExec(kube, ns, 'web-a', httpGet(vip, 80))).trim());
    expect([...seen].sort()).to.deep.equal(['web-a', 'web-b']);
  });

  it('resolves Service names from a pod through kube-dns, and gives a later pod the Service variables', async () => {
    const answer = await podExec(kube, ns, 'web-a', ['nslookup', 'web.default.svc.cluster.local']);
    const vip = (await kube.core.readNamespacedService({ name: 'web', namespace: ns })).spec!.clusterIP!;
    expect(answer).to.contain('10.96.0.10');
    expect(answer).to.contain(vip);
    await kube.core.createNamespacedPod({
      namespace: ns,
      body: {
        ...webPod('late', spec.realNodes!.nodes[1]!.name),
        metadata: { name: 'late', labels: { app: 'late' } },
      },
    });
    await waitForPodsRunning(kube, ns, 'app=late', 1);
    const envText = await podExec(kube, ns, 'late', ['env']);
    expect(envText).to.contain(`WEB_SERVICE_HOST=${vip}`);
    expect(envText).to.contain('WEB_SERVICE_PORT=80');
    expect(envText).to.contain('KUBERNETES_SERVICE_HOST=10.96.0.1');
  });

  it('`gauntlet load service` loads the Service from inside (a vegeta Job, through the VIP) and from outside (a port-forward); a Service without endpoints fails from inside', async () => {
    const out = await isolatedStateDir();
    // Flags given later override these (commander keeps an option's last value).
    const load = (...args: string[]) =>
      gauntlet(
        ['load', 'service', '--cluster', 'real', '--rate', '20', '--duration', '3', '--out', out, ...args],
        env,
      );
    const newest = async () => {
      const [runId] = (await readdir(out)).sort().reverse();
      return JSON.parse(await readFile(join(out, runId!, 'load', 'service.json'), 'utf8')) as VegetaResult & {
        from: string;
      };
    };
    const inside = await load('default/web', '--from', 'inside');
    expect(inside.exitCode, `${inside.stdout}\n${inside.stderr}`).to.equal(0);
    const insideResult = await newest();
    // 20/s for 3 s; vegeta stops at the deadline, so a pod on a busy node may send the last one too late.
    expect(insideResult).to.deep.include({ verdict: 'passed', successRatio: 1 });
    expect(insideResult.requests).to.be.within(57, 60);
    expect(insideResult.codes).to.deep.equal({ '200': insideResult.requests });
    const vip = (await kube.core.readNamespacedService({ name: 'web', namespace: ns })).spec!.clusterIP!;
    expect(insideResult.from).to.match(
      new RegExp(`^inside, a vegeta pod on real-[a-z0-9-]+ through the VIP ${vip}$`),
    );

    // busybox httpd closes each connection, and each connection is a new forward stream: hundreds of ms apiece.
    const outside = await load('default/web', '--p99', '10000');
    expect(outside.exitCode, `${outside.stdout}\n${outside.stderr}`).to.equal(0);
    const outsideResult = await newest();
    expect(outsideResult).to.deep.include({ verdict: 'passed', successRatio: 1 });
    expect(outsideResult.requests).to.be.within(57, 60);
    expect(outsideResult.from).to.match(/^outside, port-forward to pod default\/web-[ab]:8080$/);

    // No endpoint behind the VIP: every request fails, and that is the Service's verdict (exit 1), not an error.
    await kube.core.createNamespacedService({
      namespace: ns,
      body: {
        metadata: { name: 'nowhere' },
        spec: { selector: { app: 'nobody' }, ports: [{ port: 80, targetPort: 8080 }] },
      },
    });
    try {
      const lost = await load('default/nowhere', '--from', 'inside', '--duration', '1');
      expect(lost.exitCode, `${lost.stdout}\n${lost.stderr}`).to.equal(ExitCode.CheckFailed);
      expect(lost.stdout).to.match(/^FAILED service success ratio 0\.00% < 99\.00% \((\d+) of \1 failed/m);
      const runs = (await readdir(out)).length;
      const outsideLost = await load('default/nowhere');
      expect((await readdir(out)).length, 'a refused load leaves no run directory').to.equal(runs);
      expect(outsideLost.exitCode).to.equal(ExitCode.Infrastructure);
      expect(outsideLost.stderr).to.contain(
        'Service default/nowhere has no ready endpoint pod to port-forward to',
      );
    } finally {
      await kube.core.deleteNamespacedService({ name: 'nowhere', namespace: ns });
    }
    // The Jobs' and the capability probes' namespaces go with their loads.
    await watchUntil(kube, {
      list: () => kube.core.listNamespace(),
      path: '/api/v1/namespaces',
      done: (all) => !all.some((n) => /^gauntlet-(load|capabilities)-/.test(n.metadata!.name!)) || undefined,
      what: 'the load namespaces gone',
      progress: (all) =>
        all
          .map((n) => n.metadata!.name!)
          .filter((n) => n.startsWith('gauntlet-'))
          .join(', '),
      timeoutMs: 60_000,
    });
  });

  it('the service-environment conformance check runs its probe pod on a real node and passes', async () => {
    const out = await isolatedStateDir();
    const run = await gauntlet(
      ['run', '--cluster', 'real', '--suite', 'conformance', '--grep', 'service-environment', '--out', out],
      env,
    );
    expect(run.exitCode, `${run.stdout}\n${run.stderr}`).to.equal(0);
    // The spec reporter colours its marks when CI is set: judge the text without the escape codes.
    const text = stripVTControlCharacters(run.stdout);
    expect(text).to.match(/✔ assess/);
    expect(text).to.not.contain('skipped');
  });

  it('a scenario written only in YAML loads its Service from inside while a pod is replaced; a 404 path fails its SLO', async () => {
    const fixture = join(import.meta.dirname, '..', 'fixtures', 'scenarios', 'service-under-pod-loss.yaml');
    const out = await isolatedStateDir();
    const passes = await gauntlet(['run', '--cluster', 'real', '--scenario', fixture, '--out', out], env);
    expect(passes.exitCode, `${passes.stdout}\n${passes.stderr}`).to.equal(0);
    const [runId] = await readdir(out);
    const timeline = JSON.parse(
      await readFile(join(out, runId!, 'timelines', 'service-under-pod-loss.json'), 'utf8'),
    ) as { probes: Record<string, { ok: boolean }[]>; marks: { what: string }[] };
    // 20/s for 15 s, bucketed per second: the load ran through the steps and its verdict is on the timeline.
    expect(timeline.probes.service?.length).to.be.within(13, 17);
    const marks = timeline.marks.map((m) => m.what).join('\n');
    expect(marks).to.match(/load service \S+\/web \(20\/s for 15 s from inside\): passed/);
    expect(marks).to.match(/web whole again after \d+ ms/);

    // The same file against a path httpd does not serve: every answer a 404, the SLO fails, the scenario fails.
    const broken = join(await isolatedStateDir(), 'missing-path.yaml');
    const text = await readFile(fixture, 'utf8');
    await writeFile(broken, text.replace('durationSeconds: 15', 'durationSeconds: 3\n    path: /missing'));
    const fails = await gauntlet(['run', '--cluster', 'real', '--scenario', broken, '--out', out], env);
    expect(fails.exitCode, `${fails.stdout}\n${fails.stderr}`).to.equal(ExitCode.CheckFailed);
    expect(stripVTControlCharacters(fails.stdout)).to.match(
      /service load \(inside, a vegeta pod on real-\S+ through the VIP [\d.]+\): expected passed/,
    );
    await watchUntil(kube, {
      list: () => kube.core.listNamespace(),
      path: '/api/v1/namespaces',
      done: (all) => !all.some((n) => /^(gauntlet-load-|scn-)/.test(n.metadata!.name!)) || undefined,
      what: "the scenarios' namespaces and their load Jobs' gone",
      timeoutMs: 60_000,
    });
  });

  it('`cluster down` leaves no process, link, cgroup, mount or iptables rule on the host', async () => {
    const down = await gauntlet(['cluster', 'down', '--name', 'real'], env);
    expect(down.exitCode, down.stderr).to.equal(0);
    expect(await hostTraces(spec.uid)).to.deep.equal([]);
    expect(await hostIptables()).to.equal(iptablesBefore);
    spec = undefined as unknown as LocalClusterSpec;
  });
});
