import { access, readdir, readFile, rmdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { InfrastructureError } from '../../../src/errors.ts';
import { imageSources } from './node-images.ts';
import { bridgeName, bridgePrefix, cgroupParentName, hostVethPrefix } from './node-plan.ts';

/**
 * What real nodes need of this host, and the host-side state they make: the cluster's bridge and the host ends
 * of the nodes' veths (network), the cgroup parent in every v1 hierarchy. Nothing else on the host changes:
 * /run, /var, sysctls and iptables rules all stay inside each node's namespaces.
 */

const cgroupRoot = '/sys/fs/cgroup';

/** Why this host cannot run real nodes, or undefined when it can. */
export async function realNodesUnavailable(): Promise<string | undefined> {
  if (process.platform !== 'linux') return 'real nodes need Linux namespaces';
  if (process.getuid?.() !== 0) return 'real nodes need root (namespaces, veths, cgroups)';
  const needed = [
    imageSources.catatonit,
    imageSources.busybox,
    '/usr/bin/unshare',
    '/usr/sbin/iptables',
    '/usr/sbin/ip',
  ];
  for (const file of needed) {
    if (
      !(await access(file).then(
        () => true,
        () => false,
      ))
    )
      return `real nodes need ${file} (Debian packages: scripts/install-real-node-packages.sh)`;
  }
  if (!(await stat(join(cgroupRoot, 'memory', 'memory.limit_in_bytes')).catch(() => undefined)))
    return 'real nodes need cgroup v1 hierarchies (memory, cpu, cpuset, pids...) under /sys/fs/cgroup';
  const filesystems = await readFile('/proc/filesystems', 'utf8').catch(() => '');
  if (!/\boverlay\b/.test(filesystems)) return 'real nodes need overlayfs (containerd snapshotter)';
  return undefined;
}

async function ip(args: string[]): Promise<string> {
  const r = await execa('ip', args, { reject: false });
  if (r.failed) throw new InfrastructureError(`ip ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

/** The first 172.30.<k>.0/24 no interface of this host uses (two clusters with real nodes side by side). */
export async function freeNodeSubnet(): Promise<number> {
  const used = await ip(['-o', '-4', 'addr', 'show']);
  for (let k = 0; k < 256; k++) if (!used.includes(` 172.30.${k}.`)) return k;
  throw new InfrastructureError('real nodes: no free 172.30.<k>.0/24 subnet on this host');
}

/** Creates the cluster's bridge with the host's address on it (the nodes' gateway to the API). */
export async function createBridge(uid: string, bridgeIp: string): Promise<void> {
  const bridge = bridgeName(uid);
  await ip(['link', 'add', bridge, 'type', 'bridge']);
  await ip(['addr', 'add', `${bridgeIp}/${bridgePrefix}`, 'dev', bridge]);
  await ip(['link', 'set', bridge, 'up']);
}

/** Every host-side trace of a cluster's real nodes that still exists, for `down`, the reaper and the tests. */
export async function realNodeLeftovers(uid: string): Promise<string[]> {
  const left: string[] = [];
  const links = await ip(['-o', 'link', 'show']);
  for (const line of links.split('\n')) {
    const name = /^\d+:\s+([^:@\s]+)/.exec(line)?.[1];
    if (name && (name === bridgeName(uid) || name.startsWith(hostVethPrefix(uid)))) left.push(`link ${name}`);
  }
  for (const hierarchy of await readdir(cgroupRoot).catch(() => [] as string[])) {
    const dir = join(cgroupRoot, hierarchy, cgroupParentName(uid));
    if (await stat(dir).catch(() => undefined)) left.push(`cgroup ${dir}`);
  }
  const mounts = await readFile('/proc/self/mountinfo', 'utf8');
  for (const line of mounts.split('\n')) if (line.includes(`/nodes/real-`)) left.push(`mount ${line}`);
  return left;
}

async function removeCgroupTree(dir: string): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) if (e.isDirectory()) await removeCgroupTree(join(dir, e.name));
  await rmdir(dir);
}

/**
 * Removes the bridge, any veth host end and the cgroup trees of a cluster whose processes are gone. A cgroup
 * whose last process is still being torn down by the kernel is busy for a moment: retried until the deadline.
 */
export async function removeRealNodeLeftovers(uid: string, timeoutMs = 10_000): Promise<void> {
  if (process.platform !== 'linux') return;
  const listed = await execa('ip', ['-o', 'link', 'show'], { reject: false });
  // No `ip` (or no permission to list): this host never had real nodes.
  const links = listed.failed ? '' : listed.stdout;
  for (const line of links.split('\n')) {
    const name = /^\d+:\s+([^:@\s]+)/.exec(line)?.[1];
    if (name && (name === bridgeName(uid) || name.startsWith(hostVethPrefix(uid))))
      await execa('ip', ['link', 'del', name], { reject: false });
  }
  const deadline = Date.now() + timeoutMs;
  for (const hierarchy of await readdir(cgroupRoot).catch(() => [] as string[])) {
    const dir = join(cgroupRoot, hierarchy, cgroupParentName(uid));
    for (;;) {
      if (!(await stat(dir).catch(() => undefined))) break;
      try {
        await removeCgroupTree(dir);
        break;
      } catch (error) {
        if (Date.now() > deadline)
          throw new InfrastructureError(`cannot remove cgroup ${dir}: ${(error as Error).message}`);
        // The kernel frees a cgroup once its exiting tasks are reaped; nothing to watch for that.
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }
}
