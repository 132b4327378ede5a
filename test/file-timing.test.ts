import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';

const root = join(import.meta.dirname, '..');
const fixture = 'test/fixtures/timing/two-suites.fixture.ts';

/** The per-file timing plugin (test/helpers/file-timing.ts) that bench/results/test-suite.json is made from. */
describe('test timing: one line per file, hooks included, serial and parallel', function () {
  this.timeout(60_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gauntlet-file-timing-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  for (const parallel of [false, true]) {
    it(`times the whole file, both top-level suites and their hooks${parallel ? ' (--parallel)' : ''}`, async () => {
      const out = join(dir, `${parallel}.jsonl`);
      const mocha = join(root, 'node_modules', 'mocha', 'bin', 'mocha.js');
      const args = [mocha, ...(parallel ? ['--parallel', '--jobs', '2'] : []), fixture];
      const r = await execa(process.execPath, args, {
        cwd: root,
        reject: false,
        // Not this run's own worker id, when this file itself runs in a parallel worker (undefined: unset).
        env: { GAUNTLET_TEST_TIMING: out, GAUNTLET_TEST_PASS: 'p', MOCHA_WORKER_ID: undefined },
      });
      expect(r.exitCode, 'the fixture fails one test on purpose').to.equal(1);
      const lines = (await readFile(out, 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(lines).to.have.length(1);
      const [line] = lines;
      expect(line).to.include({ file: fixture, tests: 3, failed: 1, pass: 'p' });
      // 300 ms before-all + 100 + 100 ms tests + 200 ms after-all, and not much more.
      expect(line.wallMs).to.be.within(700, 5_000);
      expect(line.worker === null, 'a worker id only in parallel mode').to.equal(!parallel);
    });
  }
});
