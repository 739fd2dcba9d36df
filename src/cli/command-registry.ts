import { Help, type Command } from 'commander';

/**
 * Every top-level command, loaded only when it runs. A command's module (and everything it imports: the store,
 * the HTTP app, the sandbox…) is imported for `chartbridge <name> …` alone; `chartbridge --help` lists the
 * commands from the lines below without loading any of them, so help and unknown-command errors start as fast
 * as node itself. `term` and `description` must read exactly as commander prints the loaded command
 * (command-registry.test.ts compares the two listings): a new option or argument on a command changes its term.
 */
export interface CommandEntry {
  /** The help listing's left column, as commander prints it for the loaded command ("export [options] <id>"). */
  term: string;
  description: string;
  /** Imports the command's module and returns its `register…Command(program)`. */
  load(): Promise<(program: Command) => unknown>;
}

export const commandEntries: readonly CommandEntry[] = [
  {
    term: 'keys',
    description: 'manage the signing keys (client assertions) and the published JWKS',
    load: async () => (await import('./keys-command.ts')).registerKeysCommand,
  },
  {
    term: 'migrate',
    description: 'create or upgrade the database schema (CHARTBRIDGE_DATABASE_URL)',
    load: async () => (await import('./migrate-command.ts')).registerMigrateCommand,
  },
  {
    term: 'connections',
    description: 'operator view of patient connections',
    load: async () => (await import('./connections-command.ts')).registerConnectionsCommand,
  },
  {
    term: 'serve [options]',
    description:
      'run the HTTP server: JWKS, connect flow, pages and API (configure with CHARTBRIDGE_* variables)',
    load: async () => (await import('./serve-command.ts')).registerServeCommand,
  },
  {
    term: 'demo [options]',
    description: 'run the sandbox EHR and chartbridge together with zero configuration (data in ./data)',
    load: async () => (await import('./demo-command.ts')).registerDemoCommand,
  },
  {
    term: 'doctor [options] [org]',
    description:
      'check configuration, keys, JWKS reachability, and discovery + token endpoint of each endpoint (or one organization)',
    load: async () => (await import('./doctor-command.ts')).registerDoctorCommand,
  },
  {
    term: 'portal',
    description:
      'automate the epic developer portal: activate the app at every organisation, console scripts',
    load: async () => (await import('./portal-command.ts')).registerPortalCommand,
  },
  {
    term: 'worker [options]',
    description: 'run background jobs (token refresh, sync, schedules); many may run against one PostgreSQL',
    load: async () => (await import('./worker-command.ts')).registerWorkerCommand,
  },
  {
    term: 'jobs',
    description: 'background jobs: dead letters and queue statistics',
    load: async () => (await import('./jobs-command.ts')).registerJobsCommand,
  },
  {
    term: 'sandbox [options]',
    description:
      'run the sandbox EHR: Epic-like SMART authorization server and FHIR R4 server (docs/sandbox.md)',
    load: async () => (await import('./sandbox-command.ts')).registerSandboxCommand,
  },
  {
    term: 'export [options] <connectionId>',
    description: "write a connection's stored record as NDJSON or a FHIR Bundle (stdout unless --output)",
    load: async () => (await import('./export-command.ts')).registerExportCommand,
  },
  {
    term: 'audit [options]',
    description: 'list audit events: reads of patient data, disconnects, erasures, alerts (no patient data)',
    load: async () => (await import('./audit-command.ts')).registerAuditCommand,
  },
  {
    term: 'directory',
    description: 'endpoint directory: import, update, add, search, stats',
    load: async () => (await import('./directory-command.ts')).registerDirectoryCommand,
  },
];

export function commandName(entry: CommandEntry): string {
  return entry.term.split(' ')[0]!;
}

/**
 * The command the arguments run (`connections …`, or `help connections`), or undefined when they name none:
 * program options come first (`--help`, `--version`), no arguments, or an unknown name.
 */
export function entryFor(args: readonly string[]): CommandEntry | undefined {
  const [first, second] = args;
  const name = first === 'help' ? second : first;
  return commandEntries.find((entry) => commandName(entry) === name);
}

/** Lists every command on `program` by name and description only, for help and unknown-command errors. */
export function listCommands(program: Command): void {
  const terms = new Map<Command, string>();
  for (const entry of commandEntries) {
    terms.set(program.command(commandName(entry)).description(entry.description), entry.term);
  }
  const help = new Help();
  program.configureHelp({ subcommandTerm: (command) => terms.get(command) ?? help.subcommandTerm(command) });
}
