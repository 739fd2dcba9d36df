import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Hono } from 'hono';
import { DEMO_CLIENT_ID, registerSandboxHospitals } from '../cli/demo-setup.ts';
import type { Clock } from '../clock.ts';
import { loadConfig } from '../config/config.ts';
import { randomToken } from '../crypto/random.ts';
import { generateEncryptionKey } from '../crypto/sealer.ts';
import { createHttpApp } from '../http/app.ts';
import { startHttpServer } from '../http/start-server.ts';
import type { JobSender } from '../jobs/job-sender.ts';
import { generateKey } from '../keys/key-admin.ts';
import { createLogContext } from '../log/log-context.ts';
import { createLogger } from '../log/logger.ts';
import { loadSandboxData } from '../sandbox/data/load-data.ts';
import { startSandbox, type Sandbox, type SandboxOptions } from '../sandbox/sandbox.ts';
import { createServices, type Services } from '../services.ts';
import type { DialectName } from '../store/database.ts';
import { migrateToLatest } from '../store/migrate.ts';
import { createTestDatabase } from './databases.ts';
import { readJobPayloads } from './job-payloads.ts';
import { createBrowser, type TestBrowser } from './test-browser.ts';
import { createSecretRecorder, type SecretRecorder } from './secret-recorder.ts';

export interface LaunchOptions {
  username?: string;
  /** Sandbox organisation id (default: the first). */
  orgId?: string;
  /** The directory organisation the patient picks (default: the sandbox organisation's entry, `sandbox-{orgId}`). */
  organizationId?: string;
  browser?: TestBrowser;
  returnUrl?: string | null;
}

export interface ConnectedApp {
  /** http://127.0.0.1:PORT of chartbridge. */
  url: string;
  apiKey: string;
  services: Services;
  sandbox: Sandbox;
  /** Every pino line chartbridge wrote. */
  logs: string[];
  /** Secrets that crossed between chartbridge and the sandbox; `assertNoSecretsLeaked` checks them. */
  secrets: SecretRecorder;
  /** Environment that points the real `chartbridge` binary at this app's database, keys and sandbox. */
  cliEnv: Record<string, string>;
  /** Runs a whole standalone launch (auto-approve, login_hint) over HTTP and returns the connection id. */
  connectPatient(userId: string, options?: LaunchOptions): Promise<string>;
  /** Runs a launch up to the EHR's redirect back to us; returns that callback URL without requesting it. */
  beginLaunch(
    userId: string,
    options?: LaunchOptions,
  ): Promise<{ browser: TestBrowser; callbackUrl: string }>;
  /** Authorised management API call. */
  api(path: string, init?: RequestInit): Promise<Response>;
  newBrowser(): TestBrowser;
  /**
   * Checks logs, audit rows, job payloads and the given response bodies for any recorded secret, the app's
   * private signing keys and its encryption key included.
   */
  assertNoSecretsLeaked(extra?: string[]): Promise<void>;
  /** Runs `assertNoSecretsLeaked()` (so every test that starts an app runs the check), then stops everything. */
  close(): Promise<void>;
}

/**
 * The sandbox EHR and chartbridge on 127.0.0.1:0 with a fresh database, keys and encryption key: what every
 * integration test that needs a connected patient starts from.
 */
export async function startConnectedApp(
  options: {
    dialect?: DialectName;
    sandboxOptions?: SandboxOptions;
    clock?: Clock;
    /** Replaces services.jobs, where a connection's first sync is queued (`noJobs` queues nothing). */
    jobs?: JobSender;
    /** More configuration (CHARTBRIDGE_REDIRECT_PATH, …) for the app and its `cliEnv`. */
    env?: Record<string, string>;
  } = {},
): Promise<ConnectedApp> {
  const database = await createTestDatabase(options.dialect ?? 'sqlite');
  const keysDir = mkdtempSync(join(tmpdir(), 'chartbridge-keys-'));
  await generateKey(keysDir);
  // The server must listen before the app exists: the public URL (redirect URI, JWKS URL) needs its port.
  const holder: { app?: Hono } = {};
  const server = await startHttpServer(
    new Hono().all('*', (c) => holder.app!.fetch(c.req.raw)),
    { host: '127.0.0.1', port: 0 },
  );
  const url = `http://127.0.0.1:${server.port}`;
  const cliEnv = {
    CHARTBRIDGE_DATABASE_URL: database.url,
    CHARTBRIDGE_PUBLIC_URL: url,
    CHARTBRIDGE_KEYS_DIR: keysDir,
    CHARTBRIDGE_ENCRYPTION_KEY: generateEncryptionKey(),
    CHARTBRIDGE_API_KEY: `test-${randomToken(24)}`,
    CHARTBRIDGE_EPIC_CLIENT_ID_NONPROD: DEMO_CLIENT_ID,
    // Sandbox organisations on a generic profile are registered as generic SMART servers, same client.
    CHARTBRIDGE_GENERIC_CLIENT_ID: DEMO_CLIENT_ID,
    ...options.env,
  };
  const { services, logs, secrets } = await buildServices(cliEnv, options.clock, options.jobs);
  holder.app = createHttpApp(services);
  const sandbox = await startSandbox({
    autoApprove: true,
    data: await loadSandboxData(),
    clients: [
      {
        clientId: DEMO_CLIENT_ID,
        jwksUrl: `${url}/.well-known/jwks.json`,
        redirectUris: [`${url}/callback`, `${url}/api/auth/smart/callback`],
        grantedApis: [],
      },
    ],
    ...options.sandboxOptions,
  });
  await registerSandboxHospitals(services.store.db, sandbox.orgs(), services.clock.now());
  const base = { url, apiKey: cliEnv.CHARTBRIDGE_API_KEY, services, sandbox, logs, secrets, cliEnv };
  const cleanup = async () => {
    await sandbox.close();
    await server.close();
    await services.jobs.stop();
    await services.store.close();
    await database.drop();
    rmSync(keysDir, { recursive: true, force: true });
  };
  const driver = createLaunchDriver(base);
  const close = async () => {
    try {
      await driver.assertNoSecretsLeaked();
    } finally {
      await cleanup();
    }
  };
  return { ...base, ...driver, close };
}

/** chartbridge's services on the test database, with every log line and every crossing secret recorded. */
async function buildServices(
  env: Record<string, string>,
  clock: Clock | undefined,
  jobs: JobSender | undefined,
) {
  const logs: string[] = [];
  const sink = new Writable({ write: (chunk, _enc, done) => (logs.push(String(chunk)), done()) });
  const secrets = createSecretRecorder();
  const logContext = createLogContext();
  const services = await createServices(loadConfig(env), {
    log: createLogger({ level: 'debug', destination: sink, context: logContext }),
    logContext,
    fetch: secrets.fetch,
    ...(clock ? { clock } : {}),
    ...(jobs ? { jobs } : {}),
  });
  await migrateToLatest(services.store);
  return { services, logs, secrets };
}

/** For tests whose subject is not the first sync: connecting queues nothing. */
export const noJobs: JobSender = {
  send: async () => null,
  stats: async () => [],
  stop: async () => undefined,
};

type AppBase = Pick<ConnectedApp, 'url' | 'apiKey' | 'services' | 'sandbox' | 'logs' | 'secrets' | 'cliEnv'>;

/** The patient's side: API calls, a cookie-keeping browser, and the launch driven over HTTP. */
function createLaunchDriver(app: AppBase): Omit<ConnectedApp, keyof AppBase | 'close'> {
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${app.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${app.apiKey}`, 'content-type': 'application/json', ...init.headers },
    });
  const beginLaunch = async (userId: string, launch: LaunchOptions = {}) => {
    const orgId = launch.orgId ?? app.sandbox.orgs()[0]!.id;
    const username = launch.username ?? app.sandbox.data.organization(orgId)!.patients[0]!.username;
    const returnUrl = launch.returnUrl === undefined ? `${app.url}/done` : launch.returnUrl;
    const created = await api('/api/connect-sessions', {
      method: 'POST',
      body: JSON.stringify(returnUrl ? { userId, returnUrl } : { userId }),
    });
    if (created.status !== 201)
      throw new Error(`connect session: http ${created.status} ${await created.text()}`);
    const session = (await created.json()) as { url: string };
    const browser = launch.browser ?? createBrowser();
    const organizationId = launch.organizationId ?? `sandbox-${orgId}`;
    const start = await browser.get(`${session.url}?org=${encodeURIComponent(organizationId)}`);
    if (start.status !== 302) throw new Error(`launch: http ${start.status} ${await start.text()}`);
    const authorize = new URL(start.headers.get('location')!);
    authorize.searchParams.set('login_hint', username);
    const callbackUrl = await browser.followToOrigin(authorize.toString(), app.url);
    app.secrets.add(new URL(callbackUrl).searchParams.get('code'));
    return { browser, callbackUrl };
  };
  return {
    api,
    newBrowser: createBrowser,
    beginLaunch,
    async connectPatient(userId, connectOptions = {}) {
      const { browser, callbackUrl } = await beginLaunch(userId, connectOptions);
      const done = await browser.get(callbackUrl);
      const location = done.headers.get('location') ?? '';
      const connectionId = URL.canParse(location) ? new URL(location).searchParams.get('connectionId') : null;
      if (done.status !== 303 || !connectionId)
        throw new Error(`callback: http ${done.status} ${await done.text()}`);
      return connectionId;
    },
    async assertNoSecretsLeaked(extra = []) {
      recordKeyMaterial(app);
      app.secrets.assertAbsent(app.logs.join('\n'), 'the logs');
      app.secrets.assertAbsent(JSON.stringify(await app.services.repos.audit.listAll()), 'audit rows');
      app.secrets.assertAbsent(await readJobPayloads(app.services.store), 'job payloads');
      for (const [index, text] of extra.entries()) app.secrets.assertAbsent(text, `response #${index + 1}`);
    },
  };
}

/** The keys as they are now (a test may have rotated them): every private signing key and the encryption key. */
function recordKeyMaterial(app: AppBase): void {
  const dir = app.cliEnv.CHARTBRIDGE_KEYS_DIR!;
  for (const file of readdirSync(dir)) {
    if (file.endsWith('.pem')) app.secrets.addPrivateKey(readFileSync(join(dir, file), 'utf8'));
  }
  app.secrets.add(app.cliEnv.CHARTBRIDGE_ENCRYPTION_KEY);
}
