#!/usr/bin/env node
// Compiles the product (tsconfig.build.json: app, suites, reports, checks, faults, clusters, src) to dist/ once,
// so the CLI's ~200 child processes of a test run (and every cluster supervisor) start without the TypeScript
// loader. Type errors are tsc --noEmit's job (scripts/test.sh); this only emits.
//
// dist/build-stamp.json lists every source file and directory with the mtime and size it had when the build
// started; bin/gauntlet.js runs the build only while every entry still matches, tsx otherwise, so a build older
// than its sources never runs. Written last: an interrupted or failed build has no stamp and is never used.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');
const config = 'tsconfig.build.json';
const { include } = JSON.parse(readFileSync(join(root, config), 'utf8'));
const outDir = join(root, 'dist');

function entry(path) {
  const s = statSync(path);
  return [relative(root, path), s.mtimeMs, s.isDirectory() ? 0 : s.size];
}

// Directories are listed too: a file added or removed changes its directory's mtime (suites/ is read by listing).
function walk(dir, out) {
  out.push(entry(dir));
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, d.name);
    if (d.isDirectory()) walk(path, out);
    else out.push(entry(path));
  }
  return out;
}

const sources = [entry(join(root, 'tsconfig.json')), entry(join(root, config))];
for (const dir of include) walk(join(root, dir), sources);

// From scratch each time (a few seconds), so no output of a deleted source survives, into a directory of its own
// that replaces dist/ by renames: a CLI starting meanwhile finds the old build whole, or the new one.
const next = `${outDir}.next-${process.pid}`;
const tsc = spawnSync(
  process.execPath,
  [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', config, '--outDir', next],
  { cwd: root, stdio: 'inherit' },
);
if (tsc.status !== 0) {
  rmSync(next, { recursive: true, force: true });
  console.error(`build: tsc -p ${config} failed (exit ${tsc.status ?? tsc.signal}); dist/ is unchanged`);
  process.exit(1);
}
writeFileSync(
  join(next, 'build-stamp.json'),
  `${JSON.stringify({ builtAt: new Date().toISOString(), sources })}\n`,
);
const old = `${outDir}.old-${process.pid}`;
try {
  renameSync(outDir, old);
} catch (error) {
  if (error.code !== 'ENOENT') throw error;
}
renameSync(next, outDir);
rmSync(old, { recursive: true, force: true });
console.error(`build: dist/ compiled from ${sources.length} source files and directories`);
