import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { ExitCode } from '../src/errors.ts';
import { LoadDefinitionError, parseApiDefinition } from '../src/observe/load/load-definition.ts';
import { judgeServerSli } from '../src/observe/load/server-sli-verdict.ts';
import { count, sliDelta, sumSli } from '../src/observe/load/sli-deltas.ts';
import { parseSliStream, parseSliText } from '../src/observe/load/sli-metrics-parser.ts';

const fixtures = join(import.meta.dirname, 'fixtures', 'metrics');
const text = (name: string) => readFile(join(fixtures, name), 'utf8');
const slo = parseApiDefinition({}).slo;

/** Pure arithmetic on recorded /metrics texts: no cluster needed. */
describe('apiserver SLI metrics: parsing, deltas across a restart, verdicts', () => {
  it('keeps only the SLI buckets of a several-metric exposition, streamed in chunks of any size', async () => {
    const whole = parseSliText(await text('during.txt'));
    expect([...whole.keys()].sort()).to.deep.equal([
      'GET configmaps resource',
      'LIST configmaps namespace',
      'PATCH configmaps resource',
      'POST configmaps resource',
    ]);
    expect(count(whole.get('POST configmaps resource')!)).to.equal(300);
    // 7-byte chunks cut lines anywhere: the streaming parser must give the same buckets.
    const streamed = await parseSliStream(
      createReadStream(join(fixtures, 'during.txt'), { highWaterMark: 7 }),
    );
    expect([...streamed.entries()].map(([k, s]) => [k, [...s.buckets]])).to.deep.equal(
      [...whole.entries()].map(([k, s]) => [k, [...s.buckets]]),
    );
  });

  it('sums consecutive deltas, and a counter that went down (restart) counts from zero', async () => {
    const scrapes = await Promise.all(
      ['before.txt', 'during.txt', 'after-restart.txt'].map(async (f) => parseSliText(await text(f))),
    );
    const delta = sliDelta(scrapes);
    const within1s = (key: string) => delta.get(key)!.buckets.get(1);
    // POST: 200 between before and during (190 within 1 s), then a restart: the 40 after it count whole.
    expect(count(delta.get('POST configmaps resource')!)).to.equal(240);
    expect(within1s('POST configmaps resource')).to.equal(230);
    // PATCH first appears in `during`: its 50 count whole, then 10 after the restart.
    expect(count(delta.get('PATCH configmaps resource')!)).to.equal(60);
    expect(count(delta.get('LIST configmaps namespace')!)).to.equal(25);
    expect(count(delta.get('GET configmaps resource')!)).to.equal(120);
    // Without the restart handling the POST delta would be 40 - 300 = -260.
    expect(count(sliDelta([scrapes[1]!, scrapes[2]!]).get('POST configmaps resource')!)).to.equal(40);
    // Two members' deltas add up.
    expect(count(sumSli([delta, delta]).get('GET configmaps resource')!)).to.equal(240);
  });

  it('judges p99 <= bound at the bucket edge: 230 of 240 POSTs within 1 s misses 99%, the reads hold', async () => {
    const scrapes = await Promise.all(
      ['before.txt', 'during.txt', 'after-restart.txt'].map(async (f) => parseSliText(await text(f))),
    );
    const results = judgeServerSli(sliDelta(scrapes), slo);
    const byKey = Object.fromEntries(results.map((r) => [r.key, r]));
    expect(byKey['POST configmaps resource']).to.deep.include({
      sloClass: 'mutating',
      boundSeconds: 1,
      judgedAtSeconds: 1,
      requests: 240,
      withinBound: 230,
      p99AtMostSeconds: 1.25,
      ok: false,
    });
    expect(byKey['LIST configmaps namespace']).to.deep.include({
      sloClass: 'namespace-read',
      boundSeconds: 30,
      ok: true,
    });
    expect(byKey['GET configmaps resource']).to.deep.include({ sloClass: 'resource-read', ok: true });
    // A stricter objective or bound is just another edge.
    const strict = judgeServerSli(sliDelta(scrapes), { ...slo, mutatingSeconds: 0.01 });
    expect(strict.find((r) => r.key === 'PATCH configmaps resource')).to.deep.include({
      judgedAtSeconds: 0,
      ok: false,
    });
  });

  it('a broken load definition is a LoadDefinitionError (exit 3) naming the field', () => {
    const broken = () =>
      parseApiDefinition({ operations: { configmaps: { perSecond: 'fast' } }, bogus: 1 }, 'x.yaml');
    expect(broken).to.throw(
      LoadDefinitionError,
      /x\.yaml: .*operations\.configmaps\.perSecond: .*expected number/,
    );
    expect(broken).to.throw(/bogus/);
    try {
      broken();
    } catch (error) {
      expect((error as LoadDefinitionError).exitCode).to.equal(ExitCode.Infrastructure);
    }
  });
});
