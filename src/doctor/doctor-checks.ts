import { systemClock } from '../clock.ts';
import { loadConfig, REDIRECT_PATHS, type Config } from '../config/config.ts';
import { createSealer } from '../crypto/sealer.ts';
import { resolveClientId } from '../connect/client-ids.ts';
import { isChartbridgeError } from '../errors.ts';
import { loadKeyStore, type KeyStore } from '../keys/key-store.ts';
import { fetchSmartConfiguration } from '../smart/discovery.ts';
import type { Kysely } from 'kysely';
import { openStore, type Store } from '../store/database.ts';
import type { Database } from '../store/schema.ts';
import { describeDatabaseFailure } from '../store/database-failure.ts';
import { createRepositories } from '../store/repositories.ts';
import type { EndpointRow } from '../store/endpoint-repository.ts';
import { probeTokenEndpoint } from './doctor-token-probe.ts';

export interface DoctorCheck {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];

/**
 * Every doctor check, each independent: one failure is explained and the rest still run. The CLI passes the
 * environment (with the demo's data folder filled in); the operator page passes the running server's own
 * configuration and keys, so both judge exactly what `serve`/`demo` use.
 */
export async function runDoctorChecks(input: {
  env?: Record<string, string | undefined>;
  config?: Config;
  keys?: KeyStore;
  /** The running server's database; the CLI opens CHARTBRIDGE_DATABASE_URL itself. */
  db?: Kysely<Database>;
  org?: string;
  fetch?: typeof fetch;
}): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const fetchImpl = input.fetch ?? globalThis.fetch;
  let config: Config;
  try {
    config = input.config ?? loadConfig(input.env);
    checks.push({
      name: 'config',
      status: 'ok',
      detail: `public url ${config.publicUrl}, database ${config.databaseUrl.split(':')[0]}`,
    });
  } catch (error) {
    return [{ name: 'config', status: 'fail', detail: describe(error) }];
  }
  checks.push(...registrationChecks(config));
  checks.push(checkApiKey(config));
  checks.push(checkEncryptionKey(config));
  const keys = input.keys ?? (await loadKeys(config, checks));
  if (input.keys) checks.push(describeKeys(input.keys));
  const jwks = keys ? await checkJwks(config, keys, fetchImpl) : undefined;
  if (jwks) checks.push(jwks);
  const endpoints = await loadEndpoints(config, input, checks);
  for (const endpoint of endpoints) {
    checks.push(
      ...(await checkEndpoint({
        config,
        endpoint,
        keys,
        jwksServed: jwks?.status !== 'fail',
        fetch: fetchImpl,
      })),
    );
  }
  return checks;
}

/** What the operator registers with the EHR, exactly as chartbridge will send and serve it. */
function registrationChecks(config: Config): DoctorCheck[] {
  return [
    {
      name: 'redirect uri',
      status: 'ok',
      detail: `register ${config.redirectUri} (sent in every launch; CHARTBRIDGE_REDIRECT_PATH chooses ${REDIRECT_PATHS.join(' or ')})`,
    },
    { name: 'jwks url', status: 'ok', detail: `register ${jwksUrlOf(config)}` },
  ];
}

function jwksUrlOf(config: Config): string {
  return `${config.publicUrl}/.well-known/jwks.json`;
}

function checkApiKey(config: Config): DoctorCheck {
  return config.apiKey
    ? { name: 'api key', status: 'ok', detail: 'CHARTBRIDGE_API_KEY is set' }
    : {
        name: 'api key',
        status: 'warn',
        detail: 'CHARTBRIDGE_API_KEY is not set: the management API answers 401 to everyone',
      };
}

function checkEncryptionKey(config: Config): DoctorCheck {
  try {
    createSealer(config.encryptionKey);
    return {
      name: 'encryption key',
      status: 'ok',
      detail: 'CHARTBRIDGE_ENCRYPTION_KEY is a usable 32-byte key',
    };
  } catch (error) {
    return { name: 'encryption key', status: 'fail', detail: describe(error) };
  }
}

async function loadKeys(config: Config, checks: DoctorCheck[]): Promise<KeyStore | undefined> {
  try {
    const keys = await loadKeyStore({
      keysDir: config.keysDir,
      privateKeysPem: config.privateKeysPem,
      clock: systemClock,
    });
    checks.push(describeKeys(keys));
    return keys;
  } catch (error) {
    checks.push({ name: 'signing keys', status: 'fail', detail: describe(error) });
    return undefined;
  }
}

function describeKeys(keys: KeyStore): DoctorCheck {
  const active = keys.activeKey();
  return {
    name: 'signing keys',
    status: 'ok',
    detail: `active ${active.alg} key ${active.kid}; ${keys.list().length} published`,
  };
}

/** The EHR fetches our JWKS from the public URL: it must answer there, with the active key and nothing private. */
async function checkJwks(config: Config, keys: KeyStore, fetchImpl: typeof fetch): Promise<DoctorCheck> {
  const url = jwksUrlOf(config);
  try {
    const response = await fetchImpl(url, { signal: AbortSignal.timeout(10_000) });
    const body = (await response.json()) as { keys?: Array<Record<string, unknown>> };
    const kids = (body.keys ?? []).map((k) => k.kid);
    if (!response.ok || !kids.includes(keys.activeKey().kid)) {
      return {
        name: 'jwks',
        status: 'fail',
        detail: `${url} answered http ${response.status} without the active key: is 'chartbridge serve' running at CHARTBRIDGE_PUBLIC_URL?`,
      };
    }
    if ((body.keys ?? []).some((k) => PRIVATE_MEMBERS.some((m) => m in k))) {
      return {
        name: 'jwks',
        status: 'fail',
        detail: `${url} publishes private key members: stop the server and report this`,
      };
    }
    const cache = response.headers.get('cache-control') ? '' : ' (no Cache-Control header)';
    return {
      name: 'jwks',
      status: cache ? 'warn' : 'ok',
      detail: `${url} serves ${kids.length} key(s)${cache}`,
    };
  } catch {
    return {
      name: 'jwks',
      status: 'fail',
      detail: `${url} is unreachable: start 'chartbridge serve' and make CHARTBRIDGE_PUBLIC_URL reachable from the EHR (Epic fetches it from the internet)`,
    };
  }
}

async function loadEndpoints(
  config: Config,
  input: { org?: string; db?: Kysely<Database> },
  checks: DoctorCheck[],
): Promise<EndpointRow[]> {
  const { org } = input;
  let store: Store | undefined;
  try {
    store = input.db ? undefined : openStore(config.databaseUrl);
    const repos = createRepositories(input.db ?? store!.db);
    if (org) {
      const endpoint = await repos.directory.findEndpointForOrganization(org);
      if (!endpoint)
        checks.push({
          name: `organization ${org}`,
          status: 'fail',
          detail: 'no active endpoint for this organization id: check it with chartbridge directory search',
        });
      return endpoint ? [endpoint] : [];
    }
    const rows = await repos.endpoints.listActiveEndpoints(25);
    checks.push({
      name: 'database',
      status: 'ok',
      detail: `${rows.length === 25 ? 'first 25' : rows.length} active endpoint(s) to check${rows.length ? '' : '; name one with chartbridge doctor <org>'}`,
    });
    return rows;
  } catch (error) {
    checks.push({
      name: 'database',
      status: 'fail',
      detail: `${describe(describeDatabaseFailure(error, config.databaseUrl) ?? error)}: run chartbridge migrate and check CHARTBRIDGE_DATABASE_URL`,
    });
    return [];
  } finally {
    await store?.close();
  }
}

async function checkEndpoint(input: {
  config: Config;
  endpoint: EndpointRow;
  keys: KeyStore | undefined;
  jwksServed: boolean;
  fetch: typeof fetch;
}): Promise<DoctorCheck[]> {
  const { config, endpoint } = input;
  const name = `endpoint ${endpoint.id}`;
  const results: DoctorCheck[] = [];
  let clientId: string | undefined;
  try {
    clientId = resolveClientId(endpoint, config.clientIds);
    results.push({ name: `${name} client id`, status: 'ok', detail: clientId });
  } catch (error) {
    results.push({ name: `${name} client id`, status: 'fail', detail: describe(error) });
  }
  let tokenEndpoint: string;
  try {
    const discovered = await fetchSmartConfiguration(endpoint.fhir_base, {
      fetch: input.fetch,
      timeoutMs: 10_000,
    });
    results.push({ name: `${name} discovery`, status: 'ok', detail: `issuer ${discovered.issuer}` });
    tokenEndpoint = discovered.tokenEndpoint;
  } catch (error) {
    results.push({
      name: `${name} discovery`,
      status: 'fail',
      detail: isChartbridgeError(error)
        ? error.message
        : `${endpoint.fhir_base} is unreachable: check the host name and outbound network`,
    });
    return results;
  }
  if (clientId && input.keys) {
    results.push(
      await probeTokenEndpoint({
        name,
        tokenEndpoint,
        clientId,
        redirectUri: config.redirectUri,
        jwksUrl: jwksUrlOf(config),
        keys: input.keys,
        jwksServed: input.jwksServed,
        fetch: input.fetch,
      }),
    );
  }
  return results;
}

function describe(error: unknown): string {
  return isChartbridgeError(error) ? error.message : 'unexpected error';
}
