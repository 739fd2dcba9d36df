import { Option, type Command } from 'commander';
import { ChartbridgeError } from '../errors.ts';
import { checkDirectoryEndpoints } from '../directory/check-endpoints.ts';
import { createDirectorySearch, MAX_LIMIT } from '../directory/directory-search.ts';
import { addManualEntry } from '../directory/manual-entry.ts';
import { createDirectoryRepository } from '../store/directory-repository.ts';
import { createDirectoryImportLogRepository } from '../store/directory-import-log-repository.ts';
import { withDirectoryDeps } from './directory-cli-deps.ts';
import { printJson } from './directory-output.ts';

/** `directory add | search | stats | check`. */
export function registerDirectoryQueryCommands(group: Command): void {
  registerAddCommand(group);
  group
    .command('search <text...>')
    .description('search organisations by name, facility, alias, city/state or website (typos tolerated)')
    .option('--limit <n>', `results to show (1-${MAX_LIMIT})`, '10')
    .option('--json', 'print JSON')
    .action(async (words: string[], options: { limit: string; json?: boolean }) => {
      const limit = parseWholeNumber(options.limit, '--limit');
      await withDirectoryDeps(async (deps) => {
        const results = await createDirectorySearch(deps).search(words.join(' '), { limit });
        if (options.json) return printJson(results);
        if (results.length === 0) return console.log('no organisations match');
        for (const r of results) {
          const place = [r.city, r.state].filter(Boolean).join(', ');
          const brand = r.brand ? ` (part of ${r.brand.name})` : '';
          console.log(`${r.organizationId}  ${r.name}${brand}${place ? ` — ${place}` : ''}  ${r.fhirBase}`);
        }
      });
    });
  registerStatsCommand(group);
  registerCheckCommand(group);
}

function registerAddCommand(group: Command): void {
  group
    .command('add')
    .description(
      "add an organisation missing from the published directory, or another vendor's SMART endpoint",
    )
    .requiredOption('--name <name>', 'organisation name patients search for')
    .requiredOption('--fhir-base <url>', 'FHIR R4 base URL (https); checked with SMART discovery first')
    .option('--client-id <id>', 'client id to use at this endpoint instead of the vendor-wide one')
    .addOption(new Option('--vendor <vendor>', 'EHR vendor').choices(['epic', 'generic']).default('generic'))
    .addOption(
      new Option('--kind <kind>', "a provider's EHR, or a payer's / HIE's API (synced through $everything)")
        .choices(['provider', 'payer'])
        .default('provider'),
    )
    .addOption(
      new Option(
        '--scope-version <version>',
        'SMART scopes to ask in: v1 (patient/X.read), v2 (patient/X.rs), or auto (v2 where discovery lists permission-v2); default CHARTBRIDGE_SCOPE_VERSION, else Epic v1 and others auto',
      ).choices(['v1', 'v2', 'auto']),
    )
    .addOption(
      new Option('--environment <env>', 'environment')
        .choices(['production', 'non-production'])
        .default('production'),
    )
    .option('--city <city>', 'city, for search')
    .option('--state <state>', 'state, for search')
    .option('--allow-loopback', 'accept a plain-http FHIR base on 127.0.0.1/localhost (the local sandbox)')
    .option('--json', 'print JSON')
    .action(async (options: Record<string, string | boolean | undefined>) => {
      await withDirectoryDeps(async (deps) => {
        const result = await addManualEntry(deps, {
          name: String(options.name),
          fhirBase: String(options.fhirBase),
          clientId: options.clientId as string | undefined,
          vendor: options.vendor as 'epic' | 'generic',
          kind: options.kind as 'provider' | 'payer',
          scopeVersion: options.scopeVersion as 'v1' | 'v2' | 'auto' | undefined,
          environment: options.environment as 'production' | 'non-production',
          city: options.city as string | undefined,
          state: options.state as string | undefined,
          allowLoopback: options.allowLoopback === true,
        });
        if (options.json) return printJson(result);
        console.log(
          `added organization ${result.organizationId} → endpoint ${result.endpointId} (${result.fhirBase}, ${result.kind})`,
        );
      });
    });
}

function registerStatsCommand(group: Command): void {
  group
    .command('stats')
    .description('organisations, endpoints and sources in the directory, and the latest imports')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      await withDirectoryDeps(async (deps) => {
        const stats = await createDirectoryRepository(deps.db).readStats();
        const imports = (await createDirectoryImportLogRepository(deps.db).listRecent(5)).map((i) => ({
          source: i.source,
          location: i.location.replace(/[?#].*$/, ''),
          status: i.status,
          startedAt: new Date(i.started_at).toISOString(),
          error: i.error,
        }));
        if (options.json) return printJson({ ...stats, imports });
        console.log(
          `organisations: ${formatCounts(stats.organizations)} (connectable ${stats.connectableOrganizations})`,
        );
        console.log(`endpoints: ${formatCounts(stats.endpoints)}`);
        for (const s of stats.sources)
          console.log(`source ${s.source}: ${s.organizations} organisations, ${s.endpoints} endpoints`);
        for (const i of imports)
          console.log(`import ${i.startedAt} ${i.source} ${i.status}${i.error ? ` — ${i.error}` : ''}`);
      });
    });
}

function registerCheckCommand(group: Command): void {
  group
    .command('check')
    .description('run SMART discovery against every active endpoint and flag the ones that fail')
    .option('--concurrency <n>', 'endpoints checked at once', '8')
    .option('--json', 'print JSON')
    .action(async (options: { concurrency: string; json?: boolean }) => {
      const concurrency = parseWholeNumber(options.concurrency, '--concurrency');
      await withDirectoryDeps(async (deps) => {
        const checks = await checkDirectoryEndpoints({ db: deps.db, fetch: deps.fetch, concurrency });
        const failed = checks.filter((c) => !c.ok);
        if (options.json) printJson(checks);
        else {
          for (const c of failed) console.log(`FAIL ${c.name} ${c.fhirBase}: ${c.reason}`);
          console.log(
            `${checks.length - failed.length} of ${checks.length} endpoints answer SMART discovery`,
          );
        }
        if (failed.length > 0) process.exitCode = 1;
      });
    });
}

export function parseWholeNumber(value: string, name: string): number {
  if (!/^\d{1,9}$/.test(value))
    throw new ChartbridgeError('ERR_INVALID_INPUT', `invalid ${name}: expected a whole number`);
  return Number(value);
}

function formatCounts(counts: Record<string, number>): string {
  const entries = Object.entries(counts);
  return entries.length ? entries.map(([k, n]) => `${n} ${k}`).join(', ') : 'none';
}
