import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { execa } from 'execa';
import { InfrastructureError } from '../../errors.ts';
import { resolveTool } from '../../tools/index.ts';
import { type K6Summary, readK6Summary } from './k6-summary.ts';
import { kubeCredentialFiles } from './kube-credentials.ts';

/** k6's exit codes (go.k6.io/k6 errext/exitcodes) that a message should name. */
const K6_EXIT_CODES: Record<number, string> = {
  99: 'thresholds failed',
  104: 'invalid config',
  105: 'aborted from outside',
  107: 'script exception',
  108: 'script aborted',
};

export type K6Verdict = 'passed' | 'slo-failed';

/**
 * 0: every threshold held; 99: a threshold failed, i.e. the system missed its SLO, which is a check failure
 * and not the harness's fault; anything else (bad script, bad config, crash): undefined, a harness error.
 */
export function verdictOf(exitCode: number): K6Verdict | undefined {
  if (exitCode === 0) return 'passed';
  if (exitCode === 99) return 'slo-failed';
  return undefined;
}

export interface K6RunOptions {
  /** The script's path (fixtures/k6/*.js or the user's own). */
  script: string;
  /** Where k6 writes its end-of-test summary (--summary-export). */
  summaryFile: string;
  /** k6's own output (end-of-test summary text, warnings); default: next to the summary, .log. */
  logFile?: string;
  /** Script settings (GAUNTLET_K6_*), passed in k6's environment rather than on its command line. */
  env?: Record<string, string>;
  /** When the script talks to the Kubernetes API: the kubeconfig whose server and credentials it uses. */
  kubeconfig?: { path: string; context?: string };
  signal?: AbortSignal;
  /** Default: the pinned k6 from the tools cache (built from go.k6.io/k6 the first time). */
  k6Path?: string;
}

export interface K6Result {
  verdict: K6Verdict;
  exitCode: number;
  summaryFile: string;
  logFile: string;
  summary: K6Summary;
  startedAt: number;
  finishedAt: number;
}

const TAIL_LINES = 30;

/** k6 never prints credentials, but a script may: an error message must not carry a key or a token. */
export function redact(text: string): string {
  return text
    .replace(/-----BEGIN [A-Z ]+-----[\s\S]*?-----END [A-Z ]+-----/g, '[redacted PEM block]')
    .replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]+/g, '$1[redacted]');
}

/** Runs one k6 script to its end. Resolves with the verdict (passed / SLO failed); rejects on a harness error. */
export async function runK6(opts: K6RunOptions): Promise<K6Result> {
  const k6 = opts.k6Path ?? (await resolveTool('k6', opts.signal ? { signal: opts.signal } : {})).path;
  const logFile = opts.logFile ?? opts.summaryFile.replace(/(\.summary)?\.json$/, '.log');
  await mkdir(dirname(opts.summaryFile), { recursive: true });
  const creds = opts.kubeconfig
    ? await kubeCredentialFiles(opts.kubeconfig.path, opts.kubeconfig.context)
    : undefined;
  const startedAt = Date.now();
  try {
    const env: Record<string, string> = { ...opts.env, K6_NO_USAGE_REPORT: 'true' };
    if (creds) {
      env.GAUNTLET_K6_API = creds.server;
      if (creds.certFile) env.GAUNTLET_K6_CLIENT_CERT = creds.certFile;
      if (creds.keyFile) env.GAUNTLET_K6_CLIENT_KEY = creds.keyFile;
      if (creds.tokenFile) env.GAUNTLET_K6_TOKEN_FILE = creds.tokenFile;
      // Go reads extra roots from SSL_CERT_FILE on Linux: the API server's certificate is verified.
      if (creds.caFile) env.SSL_CERT_FILE = creds.caFile;
      if (creds.insecureSkipTlsVerify) env.K6_INSECURE_SKIP_TLS_VERIFY = 'true';
    }
    const result = await execa(
      k6,
      ['run', '--quiet', '--no-color', '--summary-export', opts.summaryFile, opts.script],
      {
        env,
        reject: false,
        all: true,
        stdin: 'ignore',
        ...(opts.signal ? { cancelSignal: opts.signal } : {}),
      },
    );
    const output = redact(String(result.all ?? ''));
    await writeFile(logFile, output);
    opts.signal?.throwIfAborted();
    const exitCode = result.exitCode ?? -1;
    const verdict = verdictOf(exitCode);
    if (!verdict) {
      const tail = output.split('\n').slice(-TAIL_LINES).join('\n');
      const meaning = K6_EXIT_CODES[exitCode] ?? (result.signal ? `killed by ${result.signal}` : 'error');
      throw new InfrastructureError(
        `k6 run ${opts.script} failed (exit code ${exitCode}: ${meaning}); log ${logFile}; last lines:\n${tail}`,
      );
    }
    return {
      verdict,
      exitCode,
      summaryFile: opts.summaryFile,
      logFile,
      summary: await readK6Summary(opts.summaryFile),
      startedAt,
      finishedAt: Date.now(),
    };
  } finally {
    await creds?.dispose();
  }
}
