/** Exit codes of the `gauntlet` CLI; scripts and CI read them, so they never change meaning. */
export const ExitCode = {
  Passed: 0,
  CheckFailed: 1,
  Usage: 2,
  Infrastructure: 3,
  RevertFailed: 4,
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
