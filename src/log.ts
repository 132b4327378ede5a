/** Progress for people on stderr; stdout stays for results a script may read. */
export interface Progress {
  step(message: string): void;
  detail(message: string): void;
}

const started = Date.now();

function stamp(): string {
  return `[${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s]`;
}

export function progress(quiet = process.env.GAUNTLET_QUIET === '1'): Progress {
  return {
    step: (message) => {
      if (!quiet) process.stderr.write(`${stamp()} ${message}\n`);
    },
    detail: (message) => {
      if (!quiet && process.env.GAUNTLET_VERBOSE === '1') process.stderr.write(`${stamp()}   ${message}\n`);
    },
  };
}

export const silent: Progress = { step: () => {}, detail: () => {} };
