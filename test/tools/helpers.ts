import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ToolName } from '../../src/tools/catalog.ts';

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `gauntlet-${prefix}-`));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

export async function writeExecutable(path: string, body = 'echo fake'): Promise<string> {
  await writeFile(path, `#!/bin/sh\n${body}\n`);
  await chmod(path, 0o755);
  return path;
}

/** A cache entry written by hand, in the documented layout, as an earlier run would have left it. */
export async function seedCache(
  cacheDir: string,
  name: ToolName,
  version: string,
  extra: object = {},
): Promise<string> {
  const dir = join(cacheDir, 'bin', name, version);
  await mkdir(dir, { recursive: true });
  const path = await writeExecutable(join(dir, name), `echo cached ${name}`);
  const meta = {
    name,
    version,
    source: 'build',
    sha256: '0'.repeat(64),
    when: new Date().toISOString(),
    ...extra,
  };
  await writeFile(join(dir, 'meta.json'), JSON.stringify(meta));
  return path;
}

/** GAUNTLET_* variables from the developer's shell must not steer the tests. */
export function isolateEnv(): () => void {
  const saved = { ...process.env };
  for (const key of Object.keys(process.env)) {
    if (key.startsWith('GAUNTLET_BIN_') || key === 'GAUNTLET_TOOLS_MIRROR') delete process.env[key];
  }
  return () => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  };
}

export interface FileServer {
  url: string;
  /** Request paths in arrival order. */
  requests: string[];
  files: Map<string, Buffer | string>;
  close(): Promise<void>;
}

/** Serves `files` by URL path on 127.0.0.1, 404 otherwise, and records every request. */
export async function serveFiles(files: Map<string, Buffer | string>): Promise<FileServer> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push(path);
    const body = files.get(path);
    if (body === undefined) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    files,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A URL on which nothing listens: a port we bound and released. */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
