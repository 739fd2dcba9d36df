import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { activateOrganizations } from '../portal/activate-flow.ts';
import { createActivationProgress } from '../portal/activation-progress.ts';
import { buildActivationScript, buildScopesScript } from '../portal/console-scripts.ts';
import { loadDirectJwks } from '../portal/direct-jwks-source.ts';
import { registerPortalReportCommand } from './portal-report-command.ts';
import {
  addPortalSessionOptions,
  createClientFromFlags,
  parseCount,
  type PortalSessionFlags,
} from './portal-session-options.ts';

/** `chartbridge portal …`: the Epic developer-portal chores (docs/epic-facts.md §6, docs/epic-setup.md). */
export function registerPortalCommand(program: Command): void {
  const portal = program
    .command('portal')
    .description(
      'automate the epic developer portal: activate the app at every organisation, console scripts',
    );
  registerActivate(portal);
  registerPortalReportCommand(portal);
  portal
    .command('scopes-script')
    .description(
      "print a browser-console script that selects every USCDI v3 / read-only '(R4)' API of the app",
    )
    .action(async () => {
      process.stdout.write(`${await buildScopesScript()}\n`);
    });
  portal
    .command('activate-script')
    .description(
      'print a browser-console script for review & manage downloads (plan, confirm, journal, summary)',
    )
    .option('--pacing <ms>', 'minimum time between calls', '500')
    .option('--page-size <n>', 'organisations per LoadDownloads page', '1000')
    .option('--direct-jwks', 'upload our RSA public keys (embedded in the script): one call per organisation')
    .option('--jwks-file <path>', 'JWK Set to embed with --direct-jwks (default: the key store)')
    .action(
      async (options: { pacing: string; pageSize: string; directJwks?: boolean; jwksFile?: string }) => {
        const pacingMs = parseCount(options.pacing, '--pacing');
        const pageSize = Math.max(1, parseCount(options.pageSize, '--page-size'));
        // Public keys only: the script is pasted into a browser, so nothing secret may be embedded.
        const jwks = options.directJwks ? await loadDirectJwks(options.jwksFile) : undefined;
        process.stdout.write(`${await buildActivationScript({ pacingMs, pageSize, jwks })}\n`);
      },
    );
}

interface ActivateFlags extends PortalSessionFlags {
  directJwks?: boolean;
  jwksUrl?: boolean;
  jwksFile?: string;
  pacing: string;
  journal?: string;
  failuresCsv?: string;
  only: string[];
  exclude: string[];
  yes?: boolean;
  dryRun?: boolean;
}

function registerActivate(portal: Command): void {
  const command = portal
    .command('activate')
    .description('enable non-production and production keys at every organisation of the app (resumable)');
  addPortalSessionOptions(command)
    .addOption(
      new Option(
        '--jwks-url',
        'rely on the JWK Set URLs of the app: two calls per organisation (default)',
      ).conflicts('directJwks'),
    )
    .addOption(new Option('--direct-jwks', 'upload our RSA public keys to each organisation: one call each'))
    .option('--jwks-file <path>', 'JWK Set to upload with --direct-jwks (default: the key store)')
    .option('--pacing <ms>', 'minimum time between calls', '500')
    .option('--journal <path>', 'journal file (default ./data/portal-activation-<app>.jsonl)')
    .option('--failures-csv <path>', 'CSV of failures (default ./data/portal-failures-<app>.csv)')
    .option('--only <orgs>', 'only these OrgIds or name fragments (comma-separated, repeatable)', collect, [])
    .option(
      '--exclude <orgs>',
      'skip these OrgIds or name fragments (comma-separated, repeatable)',
      collect,
      [],
    )
    .option('--yes', 'do not ask for confirmation')
    .option('--dry-run', 'show the plan and stop')
    .action(runActivateCommand);
}

async function runActivateCommand(flags: ActivateFlags): Promise<void> {
  const client = createClientFromFlags(flags);
  const mode = flags.directJwks ? 'direct-jwks' : 'jwks-url';
  const jwks = mode === 'direct-jwks' ? await loadDirectJwks(flags.jwksFile) : undefined;
  // First Ctrl-C: stop after the call in flight (journaled); a second one ends the process at once.
  const interrupt = new AbortController();
  const onSigint = () => interrupt.abort();
  process.once('SIGINT', onSigint);
  try {
    const outcome = await activateOrganizations({
      signal: interrupt.signal,
      client,
      appId: flags.appId,
      mode,
      jwks,
      journalPath: flags.journal ?? join('data', `portal-activation-${flags.appId}.jsonl`),
      failuresCsvPath: flags.failuresCsv ?? join('data', `portal-failures-${flags.appId}.csv`),
      pacingMs: parseCount(flags.pacing, '--pacing'),
      pageSize: Math.max(1, parseCount(flags.pageSize, '--page-size')),
      only: flags.only,
      exclude: flags.exclude,
      dryRun: flags.dryRun ?? false,
      confirm: (question) => (flags.yes ? Promise.resolve(true) : askYesNo(question)),
      print: (line) => process.stdout.write(`${line}\n`),
      progress: createActivationProgress(process.stderr),
    });
    const result = outcome.result;
    if (result && (result.failures.length > 0 || result.interrupted)) process.exitCode = 1;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

function collect(value: string, previous: string[]): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean),
  ];
}

// Reads one answer from stdin (a terminal or a pipe); end of input counts as "no".
function askYesNo(question: string): Promise<boolean> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    let answered = false;
    rl.question(`${question} [y/N] `, (answer) => {
      answered = true;
      rl.close();
      resolve(/^y(es)?$/i.test(answer.trim()));
    });
    rl.on('close', () => {
      if (!answered) resolve(false);
    });
  });
}
