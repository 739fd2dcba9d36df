import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { systemClock, type Clock } from '../clock.ts';
import { ChartbridgeError } from '../errors.ts';
import { createSilentLogger, type Logger } from '../log/logger.ts';
import {
  createAuthServer,
  type AuthBehaviour,
  type AuthServer,
  type AuthServerOptions,
  type SandboxTokens,
} from './auth/auth-server.ts';
import { buildOrgUrls, type OrgUrls } from './auth/org-urls.ts';
import { createBrandsApp } from './brands/brands-app.ts';
import type { AccessPeriodKey } from './auth/persistent-access.ts';
import { createClientRegistry, type ClientRegistry } from './clients/client-registry.ts';
import { loadSandboxData } from './data/load-data.ts';
import { createFaults, type FaultRule, type Faults } from './faults.ts';
import { createFhirApp } from './fhir/fhir-app.ts';
import { createPortalDoubleApp, type PortalDoubleOptions } from './portal/portal-double-app.ts';
import type { PortalState } from './portal/portal-state.ts';
import type { SandboxClient, SandboxDataStore } from './model.ts';
import { computeRecord, type ExpectedEntry, type WithheldEntry } from './profiles/expected-record.ts';
import { getProfile, type ProfileName } from './profiles/server-profile.ts';
import { resolveOrgProfiles, type OrgProfile, type ProfileChoice } from './profiles/org-profiles.ts';
import { createRequestLog, type RequestLog } from './request-log.ts';

export type { ExpectedEntry, WithheldEntry } from './profiles/expected-record.ts';
export type { ProfileName } from './profiles/server-profile.ts';

export interface SandboxOptions extends ProfileChoice {
  /** TCP port (default 0 = chosen by the OS). */
  port?: number;
  /** Listen address (default 127.0.0.1). */
  host?: string;
  clients?: SandboxClient[];
  /** Skip sign-in and consent (scripts); `login_hint=<username>` picks the patient. */
  autoApprove?: boolean;
  /** Persistent-access period auto-approve chooses (default 3 months). */
  autoApprovePeriod?: AccessPeriodKey;
  /** Seconds a rotated refresh token still works before its reuse revokes the grant (default 0). */
  graceSeconds?: number;
  /** Access token lifetime in seconds (default 3600). */
  accessTokenTtlSeconds?: number;
  /** Search page size cap handed to the FHIR server. */
  pageSize?: number;
  /** Latency added to every request (ms). */
  latencyMs?: number;
  /** Fault rules, or a `--faults` spec string, handed to the faults module. */
  faults?: FaultRule[] | string;
  /** Folders of patient Bundles; default: the project fixtures. */
  dataFolders?: string[];
  /** Prebuilt data (tests); wins over dataFolders. */
  data?: SandboxDataStore;
  /** Serve organisation n at http://127.0.0.{n+1}:PORT so per-host limits can be tested. */
  distinctHosts?: boolean;
  /** Fetch used to read clients' JWK Sets (default: global fetch). */
  fetch?: typeof fetch;
  log?: Logger;
  clock?: Clock;
  /** The developer-portal double served under /portal (organisation count, failing sites, latency, rate limit). */
  portal?: Omit<PortalDoubleOptions, 'basePath'>;
}

export interface SandboxOrgInfo {
  id: string;
  name: string;
  fhirBase: string;
  issuer: string;
  /** The server profile this organisation runs (docs/sandbox.md "Profiles"). */
  profile: ProfileName;
  vendor: 'epic' | 'generic';
  kind: 'provider' | 'payer';
}

export interface Sandbox {
  /** http://127.0.0.1:PORT */
  url: string;
  port: number;
  orgs(): SandboxOrgInfo[];
  /** Every URL of one organisation (token, authorize, introspect, revoke, jwks…). */
  orgUrls(orgId: string): OrgUrls;
  clients: ClientRegistry;
  data: SandboxDataStore;
  faults: Faults;
  requestLog: RequestLog;
  /** Issued grants and tokens, counters and test controls (revoke, expire, short-lived tokens). */
  tokens: SandboxTokens;
  /** Switches that make the authorization server misbehave on purpose (discovery, iss, token responses). */
  auth: AuthBehaviour;
  /** The developer-portal double at `${url}/portal`: organisations, sessions and per-organisation call counters. */
  portal: PortalState;
  /** What this organisation's server lets a `grantedScope` client obtain for the patient (docs/sandbox.md). */
  expectedRecord(orgId: string, patientId: string, grantedScope?: string | string[]): ExpectedEntry[];
  /** What the sandbox holds for the patient but its server will not hand out, with the reason. */
  withheldRecord(orgId: string, patientId: string, grantedScope?: string | string[]): WithheldEntry[];
  close(): Promise<void>;
}

/**
 * Starts the sandbox EHR: per organisation a SMART authorization server and a FHIR R4 server, behind the request
 * log and the fault injector, on one port (or one loopback address per organisation with `distinctHosts`).
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const clock = options.clock ?? systemClock;
  const log = options.log ?? createSilentLogger();
  const data = options.data ?? (await loadDefaultData(options.dataFolders, options));
  const clients = createClientRegistry(options.clients ?? []);
  const requestLog = createRequestLog({ now: () => clock.now() });
  const faults = createFaultsFromOptions(options);
  const orgIds = data.organizations().map((org) => org.id);
  const profiles = resolveOrgProfiles(orgIds, options);
  const profileOf = (orgId: string): OrgProfile => profiles.get(orgId) ?? profiles.get(orgIds[0]!)!;
  const origins = { base: '', perOrg: new Map<string, string>() };
  const orgUrls = (orgId: string): OrgUrls =>
    buildOrgUrls(origins.perOrg.get(orgId) ?? origins.base, orgId, profileOf(orgId).fhirPath);
  const auth = await createAuthServerFor(options, {
    data,
    clients,
    clock,
    log,
    urlsFor: orgUrls,
    orgIds,
    profileOf,
  });

  const app = new Hono();
  // The request log sits outermost so it records what the client really got, faults included.
  app.use('*', requestLog.middleware);
  app.use('*', faults.middleware);
  app.get('/healthz', (c) => c.json({ ok: true }));
  const portal = createPortalDoubleApp({ ...options.portal, basePath: '/portal' });
  app.route('/portal', portal.app);
  // The directory double: a SMART Brands bundle of these organisations at GET /brands.json.
  app.route('/', createBrandsApp(data.organizations(), { fhirBaseFor: (org) => orgUrls(org.id).fhirBase }));
  app.route('/', auth.app);
  const fhir = createFhirAppFor({ data, auth, clients, clock, profileOf, pageSize: options.pageSize });
  // Every base path a profile uses; the FHIR app answers 404 when the path is not its organisation's own.
  for (const base of ['/:orgId/api/FHIR/R4', '/:orgId/fhir/r4', '/:orgId/fhir/R4']) app.route(base, fhir);

  const recordOf = (orgId: string, patientId: string, grantedScope?: string | string[]) =>
    computeRecord({
      data,
      orgId,
      patientId,
      profile: profileOf(orgId),
      fhirBase: orgUrls(orgId).fhirBase,
      grantedScope,
    });
  const servers = await listenAll(app, options, orgIds.length);
  assignOrigins(origins, options, orgIds, servers.port);
  log.info({ url: origins.base, organizations: orgIds.length }, 'sandbox listening');
  return {
    url: origins.base,
    port: servers.port,
    orgs: () =>
      data.organizations().map(({ id, name }) => {
        const { name: profile, vendor, kind } = profileOf(id);
        return { id, name, ...pickOrgInfo(orgUrls(id)), profile, vendor, kind };
      }),
    orgUrls,
    clients,
    data,
    faults,
    requestLog,
    tokens: auth.tokens,
    auth: auth.behaviour,
    portal: portal.state,
    expectedRecord: (orgId, patientId, scope) => recordOf(orgId, patientId, scope).expected,
    withheldRecord: (orgId, patientId, scope) => recordOf(orgId, patientId, scope).withheld,
    close: () => closeAll(servers.list),
  };
}

function createAuthServerFor(
  options: SandboxOptions,
  parts: Pick<AuthServerOptions, 'data' | 'clients' | 'clock' | 'log' | 'urlsFor'> & {
    orgIds: string[];
    profileOf(orgId: string): OrgProfile;
  },
): Promise<AuthServer> {
  const { orgIds, profileOf, ...shared } = parts;
  return createAuthServer({
    ...shared,
    fetch: options.fetch ?? fetch,
    autoApprove: options.autoApprove ?? false,
    autoApprovePeriod: options.autoApprovePeriod ?? '3mo',
    graceSeconds: options.graceSeconds ?? 0,
    accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 3600,
    // Even-numbered organisations advertise RFC 9207 so the connector's iss check runs both ways.
    advertisesIss: (orgId) => orgIds.indexOf(orgId) % 2 === 0,
    tokenOmits: (orgId) => profileOf(orgId).tokenOmits,
    smartV2: (orgId) => profileOf(orgId).smartV2,
  });
}

function pickOrgInfo(urls: OrgUrls): Pick<SandboxOrgInfo, 'fhirBase' | 'issuer'> {
  return { fhirBase: urls.fhirBase, issuer: urls.issuer };
}

function createFaultsFromOptions(options: SandboxOptions): Faults {
  const faults = createFaults();
  if (options.latencyMs) faults.add({ kind: 'latency', ms: options.latencyMs });
  const rules = typeof options.faults === 'string' ? faults.parse(options.faults) : (options.faults ?? []);
  for (const rule of rules) faults.add(rule);
  return faults;
}

/** Origins are known only once the port is: `http://HOST:PORT`, or one loopback address per organisation. */
function assignOrigins(
  origins: { base: string; perOrg: Map<string, string> },
  options: SandboxOptions,
  orgIds: string[],
  port: number,
): void {
  origins.base = `http://${formatHost(options.host ?? '127.0.0.1')}:${port}`;
  if (options.distinctHosts) {
    orgIds.forEach((orgId, index) => origins.perOrg.set(orgId, `http://127.0.0.${index + 1}:${port}`));
  }
}

/** Loads the data with each organisation's id style and kind, so ids and payer records match its profile. */
async function loadDefaultData(
  folders: string[] | undefined,
  choice: ProfileChoice,
): Promise<SandboxDataStore> {
  const profileOf = (orgId: string) => getProfile(choice.orgProfiles?.[orgId] ?? choice.profile ?? 'epic');
  return loadSandboxData({ ...(folders && folders.length > 0 ? { folders } : {}), profileOf });
}

/** The FHIR server answers everything under each FHIR base except the smart-configuration (the auth app's). */
function createFhirAppFor(deps: {
  data: SandboxDataStore;
  auth: AuthServer;
  clients: ClientRegistry;
  clock: Clock;
  profileOf(orgId: string): OrgProfile;
  pageSize?: number;
}): Hono {
  return createFhirApp({
    data: deps.data,
    profileOf: deps.profileOf,
    lookupAccessToken: deps.auth.tokens.lookupAccessToken,
    clientGrants: deps.clients.grantedApis,
    clock: deps.clock,
    ...(deps.pageSize === undefined ? {} : { pageSize: deps.pageSize }),
  });
}

function formatHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

async function listenAll(
  app: Hono,
  options: SandboxOptions,
  orgCount: number,
): Promise<{ port: number; list: Server[] }> {
  const first = await listenOn(app, options.host ?? '127.0.0.1', options.port ?? 0);
  const port = (first.address() as AddressInfo).port;
  const list = [first];
  try {
    for (let index = 1; options.distinctHosts && index < orgCount; index += 1) {
      list.push(await listenOn(app, `127.0.0.${index + 1}`, port));
    }
  } catch (error) {
    // One address was taken: release the ones already bound so a failed start leaves nothing listening.
    await closeAll(list);
    throw error;
  }
  return { port, list };
}

function listenOn(app: Hono, hostname: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname, port }, () => resolve(server as Server));
    server.once('error', (error: NodeJS.ErrnoException) => {
      const reason =
        error.code === 'EADDRINUSE' ? 'is already in use' : `cannot be opened (${error.code ?? 'error'})`;
      const message = `sandbox port ${port} on ${hostname} ${reason}: pick another --port`;
      reject(new ChartbridgeError('ERR_CONFLICT', message, { cause: error }));
    });
  });
}

async function closeAll(servers: Server[]): Promise<void> {
  await Promise.all(
    servers.map(
      (server) =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    ),
  );
}
