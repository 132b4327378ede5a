import { ExitCode, GauntletError } from '../../src/errors.ts';

/**
 * Turns SIGINT/SIGTERM into an AbortSignal so the command can clean up (stop what it started, revert
 * faults) before exiting with 130. A second signal exits at once.
 */
export function interruptSignal(): { signal: AbortSignal; interrupted: () => boolean; dispose: () => void } {
  const controller = new AbortController();
  let count = 0;
  const onSignal = (name: NodeJS.Signals) => {
    count += 1;
    if (count > 1) process.exit(ExitCode.Interrupted);
    process.stderr.write(`\ngauntlet: ${name} received; cleaning up (send again to exit at once)\n`);
    controller.abort(new GauntletError(`interrupted by ${name}`, ExitCode.Interrupted));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    interrupted: () => controller.signal.aborted,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

export class Interrupted extends GauntletError {
  constructor() {
    super('interrupted; everything started by this command was stopped', ExitCode.Interrupted);
  }
}
