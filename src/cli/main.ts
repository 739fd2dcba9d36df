import { CommanderError } from 'commander';
import { isChartbridgeError } from '../errors.ts';
import { buildProgram } from './program.ts';

/**
 * The `chartbridge` binary. Each command group lives in its own file, listed in command-registry.ts and imported
 * only when it runs. Usage errors exit 2, expected failures exit 1 with one line, both without a stack trace.
 */
async function main(argv: string[]): Promise<void> {
  try {
    const program = await buildProgram(argv.slice(2));
    await program.parseAsync(argv);
  } catch (error) {
    process.exitCode = exitCodeFor(error);
  }
}

function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) {
    // --help and --version end through exitOverride too, with code 0.
    return error.exitCode === 0 ? 0 : 2;
  }
  if (isChartbridgeError(error)) {
    process.stderr.write(`chartbridge: ${error.message}\n`);
    return error.code === 'ERR_INVALID_INPUT' ? 2 : 1;
  }
  process.stderr.write(`chartbridge: unexpected error: ${(error as Error)?.stack ?? String(error)}\n`);
  return 1;
}

await main(process.argv);
