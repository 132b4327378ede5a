/** Exit codes of the `gauntlet` CLI; scripts and CI read them, so they never change meaning. */
export const ExitCode = {
  Passed: 0,
  CheckFailed: 1,
  Usage: 2,
  Infrastructure: 3,
  RevertFailed: 4,
  /** No test ran, or every selected test was skipped (a --grep typo, a cluster lacking every capability). */
  NothingTested: 5,
  Interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An error the CLI reports as one clear message and a specific exit code (no stack trace). */
export class GauntletError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad input: a config field, a flag or a file. Raised before anything is started. */
export class ConfigError extends GauntletError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.Usage, options);
  }
}

/** The environment failed us: a binary could not be obtained, a process did not start, a wait timed out. */
export class InfrastructureError extends GauntletError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.Infrastructure, options);
  }
}

/** What a verdict about the cluster says: the object, what was expected of it, what was seen and how long we waited. */
export interface ClusterVerdict {
  /** "Deployment web/demo", "every node of us-east-1a". */
  object: string;
  /** "3 available replicas". */
  expected: string;
  /** "2 of 3 available". */
  seen?: string;
  waitedMs?: number;
  /** The whole sentence, when the caller words it better than the default. */
  message?: string;
}

/**
 * The cluster did not do what it should: a check's expectation, a scenario's expectation, an SLO. Reported as a
 * failed test (JUnit <failure>, Allure "Failed", category "Cluster behaviour"), never with a stack trace; an error of
 * the harness or of its access to the cluster is anything else, and stays an error ("Broken") with its stack.
 * The exit code is 1 by default; a wait in `cluster up` that the cluster never satisfies passes 3.
 */
export class ClusterAssertionError extends GauntletError {
  readonly object: string;
  readonly expected: string;
  readonly seen: string | undefined;
  readonly waitedMs: number | undefined;
  constructor(
    verdict: ClusterVerdict,
    exitCode: ExitCode = ExitCode.CheckFailed,
    options?: { cause?: unknown },
  ) {
    super(verdict.message ?? formatVerdict(verdict), exitCode, options);
    this.object = verdict.object;
    this.expected = verdict.expected;
    this.seen = verdict.seen;
    this.waitedMs = verdict.waitedMs;
  }
}

function formatVerdict(v: ClusterVerdict): string {
  const waited = v.waitedMs === undefined ? '' : ` after ${Math.round(v.waitedMs / 100) / 10} s`;
  return `${v.object}: expected ${v.expected}${v.seen ? `, saw ${v.seen}` : ''}${waited}`;
}

/** A verdict about the cluster, whichever library phrased it: ours, or chai's/node's AssertionError in a spec. */
export function isClusterVerdict(error: unknown): boolean {
  if (error instanceof ClusterAssertionError) return true;
  const name = (error as { name?: unknown } | undefined)?.name;
  return name === 'AssertionError' || name === 'ClusterAssertionError';
}
