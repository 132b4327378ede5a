/** Progress for people on stderr; stdout stays for results a script may read. */
export interface Progress {
  step(message: string): void;
  detail(message: string): void;
}

const started = Date.now();

function stamp(): string {
  return `[${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s]`;
}

let redirected: ((message: string) => void) | undefined;

/** `gauntlet run --json` turns step lines into events and --quiet drops them (src/run/progress.ts). */
export function redirectSteps(to: ((message: string) => void) | undefined): void {
  redirected = to;
}

export function progress(quiet = process.env.GAUNTLET_QUIET === '1'): Progress {
  return {
    step: (message) => {
      if (redirected) redirected(message);
      else if (!quiet) process.stderr.write(`${stamp()} ${message}\n`);
    },
    detail: (message) => {
      if (!redirected && !quiet && process.env.GAUNTLET_VERBOSE === '1')
        process.stderr.write(`${stamp()}   ${message}\n`);
    },
  };
}

export const silent: Progress = { step: () => {}, detail: () => {} };
