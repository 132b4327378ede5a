import { expect } from 'chai';
import { faultWindow, lineTime, sliceLog } from '../reports/scenario-artifacts.ts';
import { redact } from '../src/redact.ts';

describe('fault-window logs and redaction', () => {
  const at = (iso: string) => Date.parse(iso);

  it('reads the time of klog, etcd JSON and kwok slog lines', () => {
    const year = 2026;
    expect(lineTime('I1122 04:42:42.464526   17913 options.go:263] external host', year)).to.equal(
      new Date(2026, 10, 22, 4, 42, 42, 464).getTime(),
    );
    expect(lineTime('{"level":"warn","ts":"2026-11-22T04:42:42.869082Z","msg":"x"}', year)).to.equal(
      at('2026-11-22T04:42:42.869Z'),
    );
    expect(lineTime('{"time":"2026-11-22T04:42:28.242972504Z","level":"INFO"}', year)).to.equal(
      at('2026-11-22T04:42:28.242Z'),
    );
    expect(lineTime('[ERROR] plugin/kubernetes: Failed to watch', year)).to.equal(undefined);
  });

  it('keeps the lines of the window, with undated continuation lines, and says when a log has no times', () => {
    const log = [
      '{"ts":"2026-11-22T04:00:00Z","msg":"before"}',
      '{"ts":"2026-11-22T04:00:10Z","msg":"inside"}',
      'goroutine 1 [running]:',
      '{"ts":"2026-11-22T04:00:30Z","msg":"after"}',
    ].join('\n');
    const window = { from: at('2026-11-22T04:00:05Z'), to: at('2026-11-22T04:00:20Z') };
    expect(sliceLog(log, window)).to.deep.equal([
      '{"ts":"2026-11-22T04:00:10Z","msg":"inside"}',
      'goroutine 1 [running]:',
    ]);
    expect(sliceLog('no\ntimes\nhere', window)).to.equal(undefined);
  });

  it('takes the window from the first injection to the last revert, with margins', () => {
    const w = faultWindow({
      scenario: 's',
      startedAt: 0,
      finishedAt: 100_000,
      faults: [
        { fault: 'a', target: 'x', injectedAt: 20_000, revertedAt: 30_000 },
        { fault: 'b', target: 'y', injectedAt: 25_000, revertedAt: 50_000 },
      ],
      transitions: [],
      probes: {},
      marks: [],
    });
    expect(w).to.deep.equal({ from: 15_000, to: 60_000 });
  });

  it('redacts private keys and tokens', () => {
    const text = [
      'client-key-data: LS0tLS1CRUdJTi',
      '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIB\n-----END EC PRIVATE KEY-----',
      'Authorization: Bearer eyJhbGciOi.abc',
      'token=abc123 and --tls-private-key-file=/state/apiserver.key',
      'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG and AWS_SESSION_TOKEN=IQoJb3JpZ2lu',
      'credentials of AKIAIOSFODNN7EXAMPLE',
    ].join('\n');
    const out = redact(text);
    expect(out).to.not.match(
      /LS0tLS1CRUdJTi|MHcCAQEEIB|eyJhbGciOi|abc123|wJalrXUtnFEMI|IQoJb3JpZ2lu|AKIAIOSFODNN7EXAMPLE/,
    );
    expect(out).to.contain('--tls-private-key-file=/state/apiserver.key');
  });
});
