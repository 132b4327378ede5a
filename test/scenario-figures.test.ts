import { expect } from 'chai';
import { loadFigures, scenarioFigures } from '../reports/scenario-figures.ts';
import type { TimelineData } from '../reports/timeline-chart.ts';

describe('scenario figures (summary.json)', () => {
  const t0 = 1_700_000_000_000;
  const base: TimelineData = {
    scenario: 'zone-loss',
    startedAt: t0,
    finishedAt: t0 + 100_000,
    faults: [{ fault: 'zone-loss', target: 'zone a', injectedAt: t0 + 20_000, revertedAt: t0 + 60_000 }],
    transitions: [
      { at: t0 + 500, observedAt: t0 + 500, check: 'endpoints', ok: false, detail: 'fixtures coming up' },
      { at: t0 + 1_000, observedAt: t0 + 1_000, check: 'endpoints', ok: true, detail: '3 of 3' },
      { at: t0 + 500, observedAt: t0 + 500, check: 'dns', ok: false, detail: 'coming up' },
      { at: t0 + 2_000, observedAt: t0 + 2_000, check: 'dns', ok: true, detail: 'resolves' },
      { at: t0 + 30_000, observedAt: t0 + 30_000, check: 'endpoints', ok: false, detail: '2 of 3' },
      { at: t0 + 45_000, observedAt: t0 + 45_000, check: 'endpoints', ok: true, detail: '3 of 3' },
    ],
    probes: {
      api: [
        { at: t0 + 21_000, latencyMs: 5, ok: false, error: 'refused' },
        { at: t0 + 64_000, latencyMs: 5, ok: false, error: 'refused' },
        { at: t0 + 65_000, latencyMs: 8, ok: true },
      ],
      // Stops before the revert, failing by design: not a recovery signal.
      fill: [
        { at: t0 + 10_000, latencyMs: 5, ok: true },
        { at: t0 + 19_000, latencyMs: 5, ok: false, error: 'NOSPACE' },
      ],
    },
    marks: [{ at: t0 + 70_000, what: 'converged' }],
  };

  it('takes recovery from the last failed signal to heal, measured from injection and from revert (start-up ignored)', () => {
    const f = scenarioFigures(base);
    expect(f.faults[0]!.durationMs).to.equal(40_000);
    expect(f.recovery.recovered).to.equal(true);
    expect(f.recovery.signals.map((s) => s.name)).to.deep.equal(['endpoints', 'api']);
    // Healthy again when the good answer arrived: asked at 65 s, answered 8 ms later.
    expect(f.recovery.timeToRecoverMs, 'api back at 65.008 s, injected at 20 s').to.equal(45_008);
    expect(f.recovery.afterRevertMs).to.equal(5_008);
    expect(f.recovery.marks).to.deep.equal([{ atMs: 50_000, what: 'converged' }]);
    expect(f.slo.api).to.include({ samples: 3, longestOutageMs: 44_000 });
    expect(f.slo.fill!.availability).to.equal(0.5);
  });

  it('counts a signal already healthy when the revert was recorded as recovered 0 ms after it', () => {
    const early = {
      ...base,
      transitions: base.transitions.slice(0, 4),
      probes: {
        api: [
          { at: t0 + 21_000, latencyMs: 5, ok: false, error: 'refused' },
          { at: t0 + 59_990, latencyMs: 6, ok: true },
          { at: t0 + 60_500, latencyMs: 4, ok: true },
        ],
      },
    };
    expect(scenarioFigures(early).recovery.afterRevertMs).to.equal(0);
  });

  it('is not recovered when a check ends failed', () => {
    const failing = {
      ...base,
      transitions: [
        ...base.transitions,
        { at: t0 + 80_000, observedAt: t0 + 80_000, check: 'endpoints', ok: false, detail: '1 of 3' },
      ],
    };
    const f = scenarioFigures(failing);
    expect(f.recovery.recovered).to.equal(false);
    expect(f.recovery.timeToRecoverMs).to.equal(undefined);
  });

  it("carries a load's SLO table (verdict, misses, server SLI, client view), not its definition", () => {
    const table = {
      verdict: 'slo-failed',
      failures: ['client availability 60.00% < 99.00%'],
      server: [{ key: 'POST configmaps namespace', ok: true }],
      client: { availability: 0.6 },
      scrapes: [{ server: 'https://127.0.0.1:1', read: 3, missed: 1 }],
      definition: { durationSeconds: 20 },
      startedAt: 1,
    };
    expect(loadFigures(table)).to.deep.equal({
      verdict: 'slo-failed',
      failures: ['client availability 60.00% < 99.00%'],
      server: [{ key: 'POST configmaps namespace', ok: true }],
      client: { availability: 0.6 },
      scrapes: [{ server: 'https://127.0.0.1:1', read: 3, missed: 1 }],
    });
  });
});
