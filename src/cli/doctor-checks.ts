import { systemClock } from '../clock.ts';
import { loadConfig, type Config } from '../config/config.ts';
import { createSealer } from '../crypto/sealer.ts';
import { resolveClientId } from '../connect/client-ids.ts';
import { isChartbridgeError } from '../errors.ts';
import { loadKeyStore, type KeyStore } from '../keys/key-store.ts';
import { fetchSmartConfiguration } from '../smart/discovery.ts';
import { openStore } from '../store/database.ts';
import { createRepositories } from '../store/repositories.ts';
import type { EndpointRow } from '../store/endpoint-repository.ts';

export interface DoctorCheck {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];

/** Every doctor check, each independent: one failure is explained and the rest still run. */
export async function runDoctorChecks(input: {
  env: Record<string, string | undefined>;
  org?: string;
  fetch?: typeof fetch;
}): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const fetchImpl = input.fetch ?? globalThis.fetch;
  let config: Config;
  try {
    config = loadConfig(input.env);
    checks.push({
      name: 'config',
      status: 'ok',
      detail: `public url ${config.publicUrl}, database ${config.databaseUrl.split(':')[0]}`,
    });
  } catch (error) {
    return [{ name: 'config', status: 'fail', detail: describe(error) }];
  }
  checks.push(checkApiKey(config));
  checks.push(checkEncryptionKey(config));
  const keys = await loadKeys(config, checks);
  if (keys) checks.push(await checkJwks(config, keys, fetchImpl));
  const endpoints = await loadEndpoints(config, input.org, checks);
  for (const endpoint of endpoints) checks.push(...(await checkEndpoint(config, endpoint, fetchImpl)));
  return checks;
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
    const active = keys.activeKey();
    checks.push({
      name: 'signing keys',
      status: 'ok',
      detail: `active ${active.alg} key ${active.kid}; ${keys.list().length} published`,
    });
    return keys;
  } catch (error) {
    checks.push({ name: 'signing keys', status: 'fail', detail: describe(error) });
    return undefined;
  }
}

/** The EHR fetches our JWKS from the public URL: it must answer there, with the active key and nothing private. */
async function checkJwks(config: Config, keys: KeyStore, fetchImpl: typeof fetch): Promise<DoctorCheck> {
  const url = `${config.publicUrl}/.well-known/jwks.json`;
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
  org: string | undefined,
  checks: DoctorCheck[],
): Promise<EndpointRow[]> {
  const store = openStore(config.databaseUrl);
  try {
    const repos = createRepositories(store.db);
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
    const rows = await store.db
      .selectFrom('endpoints')
      .selectAll()
      .where('status', '=', 'active')
      .orderBy('id')
      .limit(25)
      .execute();
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
      detail: `${describe(error)}: run chartbridge migrate and check CHARTBRIDGE_DATABASE_URL`,
    });
    return [];
  } finally {
    await store.close();
  }
}

async function checkEndpoint(
  config: Config,
  endpoint: EndpointRow,
  fetchImpl: typeof fetch,
): Promise<DoctorCheck[]> {
  const name = `endpoint ${endpoint.id}`;
  const results: DoctorCheck[] = [];
  try {
    results.push({
      name: `${name} client id`,
      status: 'ok',
      detail: resolveClientId(endpoint, config.clientIds),
    });
  } catch (error) {
    results.push({ name: `${name} client id`, status: 'fail', detail: describe(error) });
  }
  try {
    const discovered = await fetchSmartConfiguration(endpoint.fhir_base, {
      fetch: fetchImpl,
      timeoutMs: 10_000,
    });
    results.push({ name: `${name} discovery`, status: 'ok', detail: `issuer ${discovered.issuer}` });
    const response = await fetchImpl(discovered.tokenEndpoint, {
      method: 'POST',
      body: new URLSearchParams(),
      signal: AbortSignal.timeout(10_000),
    });
    await response.body?.cancel();
    const healthy = response.status < 500;
    results.push({
      name: `${name} token endpoint`,
      status: healthy ? 'ok' : 'fail',
      detail: `${discovered.tokenEndpoint} answered http ${response.status}${healthy ? ' (reachable)' : ': the EHR is having trouble; retry later'}`,
    });
  } catch (error) {
    results.push({
      name: `${name} discovery`,
      status: 'fail',
      detail: isChartbridgeError(error)
        ? error.message
        : `${endpoint.fhir_base} is unreachable: check the host name and outbound network`,
    });
  }
  return results;
}

function describe(error: unknown): string {
  return isChartbridgeError(error) ? error.message : 'unexpected error';
}
