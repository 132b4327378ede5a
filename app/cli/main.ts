import { CommanderError } from 'commander';
import { ExitCode, GauntletError } from '../../src/errors.ts';
import { buildProgram } from './program.ts';

const program = buildProgram();

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = exitCodeOf(error);
}

function exitCodeOf(error: unknown): number {
  if (error instanceof CommanderError) {
    // --help and --version exit through here with code 0; anything else is a usage error.
    return error.exitCode === 0 ? ExitCode.Passed : ExitCode.Usage;
  }
  // Duck-typed as well: an error class loaded twice (two module instances) must still map to its exit code.
  if (
    error instanceof GauntletError ||
    (error instanceof Error && typeof (error as GauntletError).exitCode === 'number')
  ) {
    process.stderr.write(`gauntlet: ${error.message}\n`);
    return (error as GauntletError).exitCode;
  }
  process.stderr.write(`gauntlet: unexpected error: ${(error as Error)?.stack ?? String(error)}\n`);
  return ExitCode.Infrastructure;
}
