import { Command, Option } from 'commander';
import { ChartbridgeError } from '../errors.ts';
import { createLogger } from '../log/logger.ts';
import { accessPeriods, type AccessPeriodKey } from '../sandbox/auth/persistent-access.ts';
import { loadClientsFile, parseClientFlag } from '../sandbox/clients/parse-clients.ts';
import type { SandboxClient } from '../sandbox/model.ts';
import { parseProfileFlags } from '../sandbox/profiles/org-profiles.ts';
import { profileNames } from '../sandbox/profiles/server-profile.ts';
import { startSandbox, type Sandbox, type SandboxOptions } from '../sandbox/sandbox.ts';
import { parsePort, waitForSignal } from './serve-command.ts';

interface SandboxCommandOptions {
  port: string;
  host: string;
  client: string[];
  clients?: string;
  latency?: string;
  pageSize?: string;
  faults?: string;
  autoApprove?: boolean;
  autoApprovePeriod: string;
  graceSeconds: string;
  data: string[];
  accessTokenTtl: string;
  distinctHosts?: boolean;
  portalOrgs: string;
  portalAppId: string;
  profile: string[];
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** `chartbridge sandbox`: the sandbox EHR alone (authorization server, FHIR server, portal double). */
export function registerSandboxCommand(program: Command): void {
  const command = program
    .command('sandbox')
    .description(
      'run the sandbox EHR: Epic-like SMART authorization server and FHIR R4 server (docs/sandbox.md)',
    );
  addSandboxOptions(command).action(async (options: SandboxCommandOptions) => {
    const sandbox = await startSandbox(await readSandboxOptions(options));
    printOrganizations(sandbox);
    const signal = await waitForSignal();
    await sandbox.close();
    console.log(`sandbox stopped (${signal})`);
  });
}

function addSandboxOptions(command: Command): Command {
  return command
    .option('--port <port>', 'listen port (0 = any free port)', '3001')
    .option('--host <host>', 'listen address', '127.0.0.1')
    .addOption(
      new Option('--client <id=jwksUrl[,redirectUri…]>', 'register a client (repeatable; every API granted)')
        .argParser(collect)
        .default([], 'none'),
    )
    .option(
      '--clients <file>',
      'register clients from a JSON file: [{clientId, jwksUrl, redirectUris, grantedApis}]',
    )
    .option('--latency <ms>', 'add this many milliseconds to every response')
    .option('--page-size <n>', 'default search page size (the FHIR server caps _count at max(100, n))')
    .option(
      '--faults <spec>',
      'inject faults, e.g. "kind=status,status=503,route=Observation,times=2" (docs/sandbox.md)',
    )
    .option('--auto-approve', 'skip sign-in and consent (scripts); login_hint=<username> picks the patient')
    .addOption(
      new Option('--auto-approve-period <period>', 'the persistent-access period auto-approve grants')
        .choices(accessPeriods.map((period) => period.key))
        .default('3mo'),
    )
    .option(
      '--grace-seconds <n>',
      'seconds a rotated refresh token still works before reuse revokes the grant',
      '0',
    )
    .addOption(
      new Option(
        '--data <folder>',
        'load patient Bundles from this folder instead of the fixtures (repeatable)',
      )
        .argParser(collect)
        .default([], 'the project fixtures'),
    )
    .option('--access-token-ttl <seconds>', 'access token lifetime', '3600')
    .option('--distinct-hosts', 'serve organisation n on 127.0.0.(n+1) (per-host concurrency tests)')
    .addOption(
      new Option(
        '--profile <name|org=name>',
        `server-behaviour profile for every organisation, or org=profile for one (repeatable): ${profileNames.join(', ')}`,
      )
        .argParser(collect)
        .default([], 'epic'),
    )
    .option('--portal-orgs <n>', 'organisations listed by the developer-portal double at /portal', '25')
    .option('--portal-app-id <id>', 'the app id the developer-portal double manages', '12345');
}

async function readSandboxOptions(options: SandboxCommandOptions): Promise<SandboxOptions> {
  const clients: SandboxClient[] = options.client.map(parseClientFlag);
  if (options.clients) clients.push(...(await loadClientsFile(options.clients)));
  const optional = (value: string | undefined, flag: string, min: number): number | undefined =>
    value === undefined ? undefined : parseWholeNumber(value, flag, min);
  return {
    port: Number(parsePort(options.port, '--port')),
    host: options.host,
    clients,
    autoApprove: options.autoApprove === true,
    autoApprovePeriod: options.autoApprovePeriod as AccessPeriodKey,
    graceSeconds: parseWholeNumber(options.graceSeconds, '--grace-seconds', 0),
    accessTokenTtlSeconds: parseWholeNumber(options.accessTokenTtl, '--access-token-ttl', 1),
    latencyMs: optional(options.latency, '--latency', 0),
    pageSize: optional(options.pageSize, '--page-size', 1),
    faults: options.faults,
    dataFolders: options.data.length > 0 ? options.data : undefined,
    distinctHosts: options.distinctHosts === true,
    ...parseProfileFlags(options.profile),
    portal: {
      appId: options.portalAppId,
      orgCount: parseWholeNumber(options.portalOrgs, '--portal-orgs', 0),
    },
    log: createLogger({ level: process.env.CHARTBRIDGE_LOG_LEVEL ?? 'warn' }),
  };
}

function parseWholeNumber(value: string, flag: string, min: number): number {
  const parsed = /^\d{1,9}$/.test(value) ? Number(value) : NaN;
  if (!(parsed >= min))
    throw new ChartbridgeError('ERR_INVALID_INPUT', `${flag} must be a whole number ≥ ${min}`);
  return parsed;
}

function printOrganizations(sandbox: Sandbox): void {
  const lines = [`chartbridge sandbox ready at ${sandbox.url}`];
  for (const org of sandbox.orgs()) {
    const patients = sandbox.data.organization(org.id)?.patients ?? [];
    const sample = patients.slice(0, 5).map((patient) => patient.username);
    const more = patients.length > sample.length ? `, … (${patients.length} in all)` : '';
    lines.push(
      `  ${org.id}  ${org.name}  (profile ${org.profile}: ${org.vendor} ${org.kind})`,
      `    FHIR base:  ${org.fhirBase}`,
      `    issuer:     ${org.issuer}`,
    );
    lines.push(`    patients:   ${sample.join(', ')}${more}`);
  }
  const clients = sandbox.clients.list().map((client) => client.clientId);
  lines.push(`  clients:    ${clients.length > 0 ? clients.join(', ') : 'none (use --client or --clients)'}`);
  lines.push(
    `  portal:     ${sandbox.url}/portal/Developer/Management?id=${sandbox.portal.appId} (${sandbox.portal.orgs.size} organisations, any user name and password)`,
  );
  lines.push('  password:   chartbridge (every sandbox patient)', 'press Ctrl+C to stop');
  console.log(lines.join('\n'));
}
