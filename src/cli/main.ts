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
    process.exitCode = await exitCodeFor(error);
  }
}

/** Bad input the operator fixes by changing a flag, a variable or a path: exit 2 (README); the rest exit 1. */
const BAD_INPUT_CODES = new Set<string>([
  'ERR_INVALID_INPUT',
  'ERR_CONFIG_INVALID',
  'ERR_DATABASE_URL_INVALID',
  'ERR_ENCRYPTION_KEY_INVALID',
]);

async function exitCodeFor(thrown: unknown): Promise<number> {
  if (thrown instanceof CommanderError) {
    // --help and --version end through exitOverride too, with code 0.
    return thrown.exitCode === 0 ? 0 : 2;
  }
  // Loaded only on failure, so `--help` and `--version` load nothing but the command list.
  const { describeDatabaseFailure } = await import('../store/database-failure.ts');
  const error = describeDatabaseFailure(thrown, process.env.CHARTBRIDGE_DATABASE_URL) ?? thrown;
  if (isChartbridgeError(error)) {
    process.stderr.write(`chartbridge: ${error.message}\n`);
    return BAD_INPUT_CODES.has(error.code) ? 2 : 1;
  }
  process.stderr.write(`chartbridge: unexpected error: ${(error as Error)?.stack ?? String(error)}\n`);
  return 1;
}

await main(process.argv);
