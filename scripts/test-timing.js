#!/usr/bin/env node
// Writes bench/results/test-suite.json (or the file given) from the lines test/helpers/file-timing.ts appended
// during a scripts/test.sh run: every test file's wall time, the passes' and the whole run's, the machine's load.
// Usage: test-timing.js <lines.jsonl> <out.json> <totalMs> <pass>=<wallMs>[:<jobs>]...
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';

const [linesFile, outFile, totalMs, ...passArgs] = process.argv.slice(2);
const lines = readFileSync(linesFile, 'utf8').split('\n').filter(Boolean);
const files = lines.map((l) => JSON.parse(l)).sort((a, b) => b.wallMs - a.wallMs);
const git = (...args) => {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
};
const passes = Object.fromEntries(
  passArgs.map((arg) => {
    const [name, figures] = arg.split('=');
    const [wallMs, jobs] = figures.split(':');
    return [name, { wallMs: Number(wallMs), jobs: jobs ? Number(jobs) : 1 }];
  }),
);
const [load1, load5, load15] = loadavg().map((l) => Math.round(l * 100) / 100);
const result = {
  date: new Date().toISOString(),
  commit: git('rev-parse', 'HEAD'),
  uncommittedChanges: (git('status', '--porcelain', '--untracked-files=no') ?? '') !== '',
  machine: { cpus: cpus().length, node: process.version, loadAverageAtEnd: { load1, load5, load15 } },
  totalMs: Number(totalMs),
  passes,
  files,
  notes: process.env.GAUNTLET_TEST_TIMING_NOTES ?? '',
};
writeFileSync(outFile, `${JSON.stringify(result, null, 2)}\n`);
console.error(`test: per-file wall times written to ${outFile}`);
