import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { InfrastructureError } from '../../../src/errors.ts';

/**
 * Container images for real nodes, built offline from programs on this machine as OCI image layout tarballs
 * (one uncompressed layer, a config naming its diff_id, a manifest, an index whose annotations name the image),
 * which each node's containerd imports with `ctr images import`. Pods use them with imagePullPolicy IfNotPresent
 * (or a tag other than latest): nothing is pulled, and a node has no route out anyway.
 */

/** The sandbox (pause) image containerd pins; catatonit blocks until SIGTERM and reaps children. */
export const pauseImage = 'registry.k8s.io/pause:3.10';
/**
 * Probe pods' image: busybox (a shell, httpd, nslookup, env) and vegeta (`load service --from inside`), also under
 * the name node-runtime-hang uses.
 */
export const toolboxImages = ['gauntlet.dev/toolbox:1', 'docker.io/library/busybox:1.36'];

export const imageSources = { catatonit: '/usr/bin/catatonit', busybox: '/bin/busybox' } as const;

interface ImageSpec {
  file: string;
  names: string[];
  /** Files of the root filesystem: destination (relative) -> source on this host, or a symlink target. */
  files: { path: string; from?: string; link?: string }[];
  dirs: string[];
  entrypoint: string[];
  cmd: string[];
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

async function buildImage(spec: ImageSpec, scratch: string): Promise<void> {
  const root = await mkdtemp(join(scratch, 'rootfs-'));
  for (const dir of spec.dirs) await mkdir(join(root, dir), { recursive: true });
  for (const f of spec.files) {
    const dest = join(root, f.path);
    await mkdir(join(dest, '..'), { recursive: true });
    if (f.link) await symlink(f.link, dest);
    else if (f.from) await writeFile(dest, await readFile(f.from), { mode: 0o755 });
  }
  const layerFile = join(scratch, 'layer.tar');
  // Fixed owner and times: the same inputs give the same digest.
  await execa('tar', [
    '--owner=0',
    '--group=0',
    '--numeric-owner',
    '--mtime=@0',
    '--sort=name',
    '-cf',
    layerFile,
    '-C',
    root,
    '.',
  ]);
  const layer = await readFile(layerFile);
  const layerDigest = sha256(layer);
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Entrypoint: spec.entrypoint, Cmd: spec.cmd, Env: ['PATH=/bin'], WorkingDir: '/' },
      rootfs: { type: 'layers', diff_ids: [`sha256:${layerDigest}`] },
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: `sha256:${sha256(config)}`,
        size: config.length,
      },
      layers: [
        {
          mediaType: 'application/vnd.oci.image.layer.v1.tar',
          digest: `sha256:${layerDigest}`,
          size: layer.length,
        },
      ],
    }),
  );
  const layout = join(scratch, 'layout');
  const blobs = join(layout, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  await writeFile(join(blobs, layerDigest), layer);
  await writeFile(join(blobs, sha256(config)), config);
  await writeFile(join(blobs, sha256(manifest)), manifest);
  await writeFile(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(
    join(layout, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: spec.names.map((name) => ({
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: `sha256:${sha256(manifest)}`,
        size: manifest.length,
        platform: { architecture: 'amd64', os: 'linux' },
        annotations: {
          'io.containerd.image.name': name,
          'org.opencontainers.image.ref.name': name.slice(name.lastIndexOf(':') + 1),
        },
      })),
    }),
  );
  await execa('tar', ['--owner=0', '--group=0', '--numeric-owner', '-cf', spec.file, '-C', layout, '.']);
  await rm(root, { recursive: true, force: true });
  await rm(layout, { recursive: true, force: true });
  await rm(layerFile, { force: true });
}

/** Writes the pause and toolbox image tarballs into dir; returns their paths. `vegeta`: a static vegeta binary. */
export async function buildNodeImages(dir: string, vegeta: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  for (const source of Object.values(imageSources)) {
    await stat(source).catch(() => {
      throw new InfrastructureError(
        `real nodes: ${source} is missing (scripts/install-real-node-packages.sh)`,
      );
    });
  }
  const applets = (await execa(imageSources.busybox, ['--list'])).stdout
    .split('\n')
    .map((a) => a.trim())
    .filter((a) => a !== '' && a !== 'busybox');
  const pause: ImageSpec = {
    file: join(dir, 'pause.tar'),
    names: [pauseImage],
    files: [{ path: 'catatonit', from: imageSources.catatonit }],
    dirs: ['etc', 'dev', 'proc', 'sys'],
    entrypoint: ['/catatonit', '-P'],
    cmd: [],
  };
  const toolbox: ImageSpec = {
    file: join(dir, 'toolbox.tar'),
    names: toolboxImages,
    files: [
      { path: 'bin/busybox', from: imageSources.busybox },
      { path: 'bin/vegeta', from: vegeta },
      ...applets.map((a) => ({ path: `bin/${a}`, link: 'busybox' })),
    ],
    dirs: ['etc', 'dev', 'proc', 'sys', 'tmp', 'var/www', 'root'],
    entrypoint: [],
    cmd: ['/bin/sh'],
  };
  const scratch = await mkdtemp(join(dir, 'build-'));
  try {
    for (const image of [pause, toolbox]) await buildImage(image, scratch);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return [pause.file, toolbox.file];
}
