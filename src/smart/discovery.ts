import type { Clock } from '../clock.ts';
import { assertSecureUrl, type SmartTransport } from './oauth-options.ts';
import {
  discoveryError,
  parseCapabilityStatement,
  parseSmartConfiguration,
  type SmartConfiguration,
} from './smart-configuration.ts';

const MAX_DISCOVERY_BYTES = 1_000_000;

/** Fetches and normalises one EHR's SMART configuration: smart-configuration first, `/metadata` as fallback. */
export async function fetchSmartConfiguration(
  fhirBase: string,
  transport: SmartTransport,
): Promise<SmartConfiguration> {
  if (!assertSecureUrl(fhirBase)) throw discoveryError(fhirBase, 'the fhir base must be https');
  const wellKnown = await fetchJson(`${fhirBase}/.well-known/smart-configuration`, transport);
  if (wellKnown.ok) return addOpenIdJwksUri(parseSmartConfiguration(fhirBase, wellKnown.body), transport);
  const metadata = await fetchJson(`${fhirBase}/metadata`, transport);
  if (metadata.ok) return addOpenIdJwksUri(parseCapabilityStatement(fhirBase, metadata.body), transport);
  throw discoveryError(fhirBase, `${wellKnown.reason}; metadata: ${metadata.reason}`);
}

/**
 * SMART documents may omit `jwks_uri` while the issuer's OpenID configuration has it; without it no id_token
 * could be verified. Only a same-origin `jwks_uri` is taken (case 33); a missing document changes nothing.
 */
async function addOpenIdJwksUri(
  configuration: SmartConfiguration,
  transport: SmartTransport,
): Promise<SmartConfiguration> {
  if (configuration.jwksUri) return configuration;
  const openid = await fetchJson(`${configuration.issuer}/.well-known/openid-configuration`, transport);
  const jwksUri = openid.ok ? (openid.body as { jwks_uri?: unknown }).jwks_uri : undefined;
  if (typeof jwksUri !== 'string' || !URL.canParse(jwksUri)) return configuration;
  if (new URL(jwksUri).origin !== new URL(configuration.fhirBase).origin) return configuration;
  return { ...configuration, jwksUri };
}

type JsonResult = { ok: true; body: unknown } | { ok: false; reason: string };

async function fetchJson(url: string, transport: SmartTransport): Promise<JsonResult> {
  let response: Response;
  try {
    response = await transport.fetch(url, {
      headers: { accept: 'application/json, application/fhir+json' },
      redirect: 'manual',
      signal: AbortSignal.timeout(transport.timeoutMs),
    });
  } catch (error) {
    const name = (error as Error)?.name;
    return { ok: false, reason: name === 'TimeoutError' ? 'timed out' : 'unreachable' };
  }
  if (!response.ok) {
    await response.body?.cancel();
    return { ok: false, reason: `http ${response.status}` };
  }
  const text = await response.text();
  if (text.length > MAX_DISCOVERY_BYTES) return { ok: false, reason: 'document too large' };
  try {
    return { ok: true, body: JSON.parse(text) };
  } catch {
    return { ok: false, reason: 'not json' };
  }
}

export interface DiscoveryCache {
  /** The cached configuration for `fhirBase`, fetched when absent or older than the cache lifetime. */
  getSmartConfiguration(fhirBase: string): Promise<SmartConfiguration>;
  forget(fhirBase: string): void;
}

/** Discovery is cached (docs/epic-facts.md §3: do not fetch it per login); concurrent misses share one request. */
export function createDiscoveryCache(options: {
  transport: SmartTransport;
  clock: Clock;
  ttlMs?: number;
}): DiscoveryCache {
  const ttlMs = options.ttlMs ?? 60 * 60 * 1000;
  const entries = new Map<string, { at: number; value: Promise<SmartConfiguration> }>();
  return {
    getSmartConfiguration(fhirBase) {
      const cached = entries.get(fhirBase);
      if (cached && options.clock.now() - cached.at < ttlMs) return cached.value;
      const value = fetchSmartConfiguration(fhirBase, options.transport);
      entries.set(fhirBase, { at: options.clock.now(), value });
      // A failure is not cached: the next login retries discovery.
      value.catch(() => {
        if (entries.get(fhirBase)?.value === value) entries.delete(fhirBase);
      });
      return value;
    },
    forget(fhirBase) {
      entries.delete(fhirBase);
    },
  };
}
