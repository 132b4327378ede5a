#!/usr/bin/env node
// Runs the compiled build (dist/, `npm run build`) when it matches the sources, else the TypeScript sources
// through tsx, so a fresh clone needs no build step and an edited source is never run from an older build.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');

/**
 * True when dist/build-stamp.json exists and every source file and directory it lists still has the mtime and
 * size it had when the build started (scripts/build.js): a few hundred stat calls, a few milliseconds.
 */
function buildIsCurrent() {
  if (process.env.GAUNTLET_FROM_SOURCES === '1') return false;
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(join(root, 'dist', 'build-stamp.json'), 'utf8'));
  } catch {
    return false;
  }
  for (const [path, mtimeMs, size] of stamp.sources) {
    const s = statSync(join(root, path), { throwIfNoEntry: false });
    if (!s || s.mtimeMs !== mtimeMs || (!s.isDirectory() && s.size !== size)) return false;
  }
  return true;
}

// The cluster's own long-lived processes (supervisor, load balancer) load only what they need: they
// start on every `cluster up`, and the Kubernetes client alone takes a noticeable part of a second.
const entry = process.argv[2] === 'internal' ? 'internal-main' : 'main';
if (buildIsCurrent()) await import(`../dist/app/cli/${entry}.js`);
else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(`../app/cli/${entry}.ts`);
}
