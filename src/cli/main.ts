import { Command, CommanderError } from 'commander';
import { isChartbridgeError } from '../errors.ts';
import { describeDatabaseFailure } from './startup-errors.ts';
import { registerKeysCommand } from './keys-command.ts';
import { registerConnectionsCommand } from './connections-command.ts';
import { registerDemoCommand } from './demo-command.ts';
import { registerDoctorCommand } from './doctor-command.ts';
import { registerMigrateCommand } from './migrate-command.ts';
import { registerServeCommand } from './serve-command.ts';
import { registerPortalCommand } from './portal-command.ts';
import { registerWorkerCommand } from './worker-command.ts';
import { registerJobsCommand } from './jobs-command.ts';
import { registerSandboxCommand } from './sandbox-command.ts';
import { registerExportCommand } from './export-command.ts';
import { registerDirectoryCommand } from './directory-command.ts';

/**
 * The `chartbridge` binary. Each command group lives in its own file and registers itself here.
 * Usage errors exit 2, expected failures exit 1 with one line, both without a stack trace.
 */
export function buildProgram(): Command {
  const program = new Command('chartbridge')
    .description('self-hosted SMART on FHIR patient-access connector (Epic and any R4 EHR)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerKeysCommand(program);
  registerMigrateCommand(program);
  registerConnectionsCommand(program);
  registerServeCommand(program);
  registerDemoCommand(program);
  registerDoctorCommand(program);
  registerPortalCommand(program);
  registerWorkerCommand(program);
  registerJobsCommand(program);
  registerSandboxCommand(program);
  registerExportCommand(program);
  registerDirectoryCommand(program);
  return program;
}

async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    process.exitCode = exitCodeFor(error);
  }
}

/** Bad input the operator fixes by changing a flag, a variable or a path: exit 2 (README); the rest exit 1. */
const BAD_INPUT_CODES = new Set<string>([
  'ERR_INVALID_INPUT',
  'ERR_CONFIG_INVALID',
  'ERR_DATABASE_URL_INVALID',
  'ERR_ENCRYPTION_KEY_INVALID',
]);

function exitCodeFor(thrown: unknown): number {
  if (thrown instanceof CommanderError) {
    // --help and --version end through exitOverride too, with code 0.
    return thrown.exitCode === 0 ? 0 : 2;
  }
  const error = describeDatabaseFailure(thrown, process.env.CHARTBRIDGE_DATABASE_URL) ?? thrown;
  if (isChartbridgeError(error)) {
    process.stderr.write(`chartbridge: ${error.message}\n`);
    return BAD_INPUT_CODES.has(error.code) ? 2 : 1;
  }
  process.stderr.write(`chartbridge: unexpected error: ${(error as Error)?.stack ?? String(error)}\n`);
  return 1;
}

await main(process.argv);
