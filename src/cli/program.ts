import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { entryFor, listCommands } from './command-registry.ts';

/** The program without its commands: name, description, `--version`, how errors end. */
export function createProgram(): Command {
  return new Command('chartbridge')
    .description('self-hosted SMART on FHIR patient-access connector (Epic and any R4 EHR)')
    .version(packageVersion(), '-v, --version', 'print the chartbridge version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
}

/**
 * The program for these arguments: only the command they run is imported (command-registry.ts); without one
 * (`--help`, `--version`, an unknown name) every command is listed by name and description alone.
 */
export async function buildProgram(args: readonly string[]): Promise<Command> {
  const program = createProgram();
  const entry = entryFor(args);
  if (entry) (await entry.load())(program);
  else listCommands(program);
  return program;
}

/** package.json is one folder above both src/ and dist/; read as text so `--version` costs one small file. */
function packageVersion(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}
