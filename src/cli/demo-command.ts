import { Command } from 'commander';
import { loadConfig, type Config } from '../config/config.ts';
import { createHttpApp } from '../http/app.ts';
import { startMetricsServer } from '../http/metrics-app.ts';
import { describeListenError, startHttpServer } from '../http/start-server.ts';
import { startInProcessWorker } from '../jobs/start-worker.ts';
import { createLogContext } from '../log/log-context.ts';
import { createLogger } from '../log/logger.ts';
import { loadSandboxData } from '../sandbox/data/load-data.ts';
import { startSandbox, type Sandbox } from '../sandbox/sandbox.ts';
import { createServices, type Services } from '../services.ts';
import { migrateToLatest } from '../store/migrate.ts';
import {
  DEMO_CLIENT_ID,
  ensureDemoSigningKey,
  prepareDemoSecrets,
  registerSandboxHospitals,
  type DemoSecrets,
} from './demo-setup.ts';
import { writeDemoSettings } from './demo-settings.ts';
import { parsePort, waitForSignal } from './serve-command.ts';

interface DemoOptions {
  port: string;
  sandboxPort: string;
  autoApprove?: boolean;
  data: string;
}

/**
 * `chartbridge demo` (what `npm start` runs): the sandbox EHR, the connector and a job worker in one process on
 * SQLite in ./data, with a dev signing key, an encryption key and an API key created on first run.
 */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('run the sandbox EHR and chartbridge together with zero configuration (data in ./data)')
    .option('--port <port>', 'chartbridge port', '3000')
    .option('--sandbox-port <port>', 'sandbox EHR port', '3001')
    .option(
      '--auto-approve',
      'skip the sandbox sign-in and consent pages (for scripts; login_hint picks the patient)',
    )
    .option('--data <dir>', 'data folder', './data')
    .action((options: DemoOptions) => runDemo(options));
}

async function runDemo(options: DemoOptions): Promise<void> {
  const started = Date.now();
  const port = parsePort(options.port, '--port');
  const sandboxPort = Number(parsePort(options.sandboxPort, '--sandbox-port'));
  const secrets = prepareDemoSecrets(options.data, process.env);
  await ensureDemoSigningKey(secrets.keysDir);
  const config = loadDemoConfig(port, secrets);
  // Logs go to stderr so the banner on stdout stays readable (and scriptable).
  const logContext = createLogContext();
  const log = createLogger({ level: config.logLevel, destination: process.stderr, context: logContext });
  const services = await createServices(config, { log, logContext });
  const closers: Array<() => Promise<void>> = [() => services.jobs.stop(), () => services.store.close()];
  try {
    await migrateToLatest(services.store);
    const server = await startHttpServer(createHttpApp(services), { host: config.host, port: config.port });
    closers.unshift(() => server.close());
    const metricsServer = await startMetricsServer(services);
    if (metricsServer) closers.unshift(() => metricsServer.close());
    const sandbox = await startDemoSandbox(services, sandboxPort, options.autoApprove === true);
    closers.unshift(() => sandbox.close());
    await registerSandboxHospitals(services.store.db, sandbox.orgs(), services.clock.now());
    // "ready" means a search lists the hospitals: the index is built from what was just registered.
    await services.directory.warm();
    const worker = await startInProcessWorker(services);
    closers.unshift(async () => void (await worker.stop()));
    writeDemoSettings(secrets.dataDir, {
      publicUrl: config.publicUrl,
      clientId: config.clientIds.epicNonProduction!,
    });
    printBanner({
      publicUrl: config.publicUrl,
      sandboxUrl: sandbox.url,
      secrets,
      readyMs: Date.now() - started,
    });
    await waitForSignal();
  } finally {
    for (const close of closers) await close();
  }
}

function loadDemoConfig(port: string, secrets: DemoSecrets): Config {
  return loadConfig({
    ...process.env,
    PORT: port,
    CHARTBRIDGE_PUBLIC_URL: process.env.CHARTBRIDGE_PUBLIC_URL ?? `http://127.0.0.1:${port}`,
    CHARTBRIDGE_DATABASE_URL:
      process.env.CHARTBRIDGE_DATABASE_URL ?? `sqlite:${secrets.dataDir}/chartbridge.db`,
    CHARTBRIDGE_KEYS_DIR: secrets.keysDir,
    CHARTBRIDGE_ENCRYPTION_KEY: secrets.encryptionKey,
    CHARTBRIDGE_API_KEY: secrets.apiKey,
    CHARTBRIDGE_EPIC_CLIENT_ID_NONPROD: process.env.CHARTBRIDGE_EPIC_CLIENT_ID_NONPROD ?? DEMO_CLIENT_ID,
  });
}

/** The sandbox with chartbridge registered as its client: our JWKS URL and both redirect URIs. */
async function startDemoSandbox(services: Services, port: number, autoApprove: boolean): Promise<Sandbox> {
  const { publicUrl, clientIds } = services.config;
  return startSandbox({
    port,
    autoApprove,
    log: services.log,
    data: await loadSandboxData(),
    clients: [
      {
        clientId: clientIds.epicNonProduction!,
        jwksUrl: `${publicUrl}/.well-known/jwks.json`,
        redirectUris: [`${publicUrl}/callback`, `${publicUrl}/api/auth/smart/callback`],
        grantedApis: [],
      },
    ],
  }).catch((error: NodeJS.ErrnoException) => {
    throw describeListenError(error, { host: '127.0.0.1', port, flag: '--sandbox-port' });
  });
}

function printBanner(input: {
  publicUrl: string;
  sandboxUrl: string;
  secrets: DemoSecrets;
  readyMs: number;
}): void {
  const lines = [
    `chartbridge demo ready in ${input.readyMs} ms`,
    `  app:          ${input.publicUrl}/`,
    `  sandbox EHR:  ${input.sandboxUrl} (patients sign in with the sandbox password shown on its sign-in page)`,
    `  JWKS:         ${input.publicUrl}/.well-known/jwks.json`,
    `  data folder:  ${input.secrets.dataDir}`,
    input.secrets.apiKeyFromFile
      ? `  API key:      ${input.secrets.apiKey}   (saved in ${input.secrets.dataDir}/api-key; set CHARTBRIDGE_API_KEY to choose your own)`
      : '  API key:      from CHARTBRIDGE_API_KEY',
    `  try:          curl -s -H "Authorization: Bearer <API key>" -H 'content-type: application/json' -d '{"userId":"demo-user"}' ${input.publicUrl}/api/connect-sessions`,
    'press Ctrl+C to stop',
  ];
  console.log(lines.join('\n'));
}
