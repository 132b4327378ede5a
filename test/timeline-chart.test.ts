import { expect } from 'chai';
import { chart, renderTimelineSvg, type TimelineData } from '../reports/timeline-chart.ts';

/** The renderer writes one element per tag with double-quoted attributes: enough to parse its elements back. */
function elements(svg: string, tag: string): Record<string, string>[] {
  return [...svg.matchAll(new RegExp(`<${tag}\\s([^>]*?)/?>`, 'g'))].map((m) =>
    Object.fromEntries([...m[1]!.matchAll(/([\w-]+)="([^"]*)"/g)].map((a) => [a[1]!, a[2]!])),
  );
}
const num = (s: string | undefined) => Number(s);

describe('timeline chart (SVG)', () => {
  // 100 s, so the plot's 740 px make 7.4 px per second from x = 200.
  const t0 = 1_700_000_000_000;
  const plot = chart.width - chart.labelWidth - chart.rightPad;
  const x = (s: number) => chart.labelWidth + (s / 100) * plot;
  const timeline: TimelineData = {
    scenario: 'zone-loss',
    startedAt: t0,
    finishedAt: t0 + 100_000,
    faults: [
      { fault: 'zone-loss', target: 'zone us-east-1a', injectedAt: t0 + 20_000, revertedAt: t0 + 60_000 },
    ],
    transitions: [
      { at: t0 + 5_000, observedAt: t0 + 5_000, check: 'endpoint-slices', ok: true, detail: '3 of 3' },
      { at: t0 + 30_000, observedAt: t0 + 29_900, check: 'endpoint-slices', ok: false, detail: '2 of 3' },
      { at: t0 + 70_000, observedAt: t0 + 69_000, check: 'endpoint-slices', ok: true, detail: '3 of 3' },
      { at: t0 + 10_000, observedAt: t0 + 10_000, check: 'dns', ok: true, detail: 'resolves' },
    ],
    probes: {
      api: [
        { at: t0 + 10_000, latencyMs: 10, ok: true },
        { at: t0 + 40_000, latencyMs: 1000, ok: false, error: 'ECONNREFUSED' },
        { at: t0 + 50_000, latencyMs: 1000, ok: false, error: 'ECONNREFUSED' },
        { at: t0 + 90_000, latencyMs: 40, ok: true },
      ],
    },
    marks: [{ at: t0 + 75_000, what: 'converged' }],
  };
  const svg = renderTimelineSvg(timeline);

  it('draws the fault window as a band from injection to revert, over the lanes and the prober', () => {
    const [band, ...more] = elements(svg, 'rect').filter((r) => r.class === 'fault-band');
    expect(more).to.have.length(0);
    expect(num(band!.x)).to.be.closeTo(x(20), 0.1);
    expect(num(band!.width)).to.be.closeTo(x(60) - x(20), 0.2);
    const probe = elements(svg, 'polyline')[0]!;
    const lowestProbeY = Math.max(...probe.points!.split(' ').map((p) => Number(p.split(',')[1])));
    expect(num(band!.y) + num(band!.height), 'the band covers the prober').to.be.greaterThan(lowestProbeY);
  });

  it('draws one lane per check with held and failed intervals where the transitions put them', () => {
    const lanes = elements(svg, 'rect').filter((r) => r.class?.startsWith('lane'));
    const slices = lanes.filter((l) => l['data-check'] === 'endpoint-slices');
    expect(slices.map((l) => l.class)).to.deep.equal(['lane ok', 'lane failed', 'lane ok']);
    expect(num(slices[1]!.x)).to.be.closeTo(x(30), 0.1);
    expect(num(slices[1]!.width)).to.be.closeTo(x(70) - x(30), 0.2);
    expect(num(slices[2]!.x) + num(slices[2]!.width), 'the last interval runs to the end').to.be.closeTo(
      x(100),
      0.2,
    );
    const dns = lanes.filter((l) => l['data-check'] === 'dns');
    expect(dns).to.have.length(1);
    expect(num(dns[0]!.y), 'each check has its own lane').to.not.equal(num(slices[0]!.y));
    expect(new Set(slices.map((l) => l.y)).size, 'one check, one lane').to.equal(1);
  });

  it('plots prober latency for successful requests and marks each failed request at its time', () => {
    const points = elements(svg, 'polyline')[0]!
      .points!.split(' ')
      .map((p) => p.split(',').map(Number));
    expect(points.map((p) => p[0])).to.deep.equal([x(10), x(90)].map((v) => Math.round(v * 10) / 10));
    expect(points[1]![1], 'higher latency is drawn higher').to.be.lessThan(points[0]![1]!);
    const errors = elements(svg, 'line').filter((l) => l.class === 'probe-error');
    expect(errors.map((e) => num(e.x1))).to.deep.equal([x(40), x(50)].map((v) => Math.round(v * 10) / 10));
    expect(svg).to.include('2/4 failed');
  });

  it('marks moments and escapes text', () => {
    const mark = elements(svg, 'line').find((l) => l.class === 'mark')!;
    expect(num(mark.x1)).to.be.closeTo(x(75), 0.1);
    const odd = renderTimelineSvg({ ...timeline, scenario: '<a & "b">', marks: [] });
    expect(odd).to.include('&lt;a &amp; &quot;b&quot;&gt;').and.not.include('<a &');
  });
});
