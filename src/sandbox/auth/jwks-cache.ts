import type { JWK } from 'jose';
import type { Clock } from '../../clock.ts';
import { OAuthError } from './oauth-error.ts';

interface CachedJwks {
  keys: JWK[];
  fetchedAt: number;
  expiresAt: number;
}

export interface JwksCache {
  /** The key with this kid from the client's JWK Set, fetching or refetching the set as the rules allow. */
  findKey(jwksUrl: string, kid: string): Promise<JWK | undefined>;
  /** How many times a JWK Set was fetched (one URL, or all). */
  fetchCount(jwksUrl?: string): number;
  clear(): void;
}

const defaultMaxAgeSeconds = 300;
/** Epic caches a JWK Set for up to 29 hours. */
const longestMaxAgeSeconds = 29 * 3600;
const unknownKidRefetchMs = 60_000;
const fetchTimeoutMs = 5_000;
const largestJwksBytes = 256 * 1024;

/**
 * Reads clients' JWK Sets the way Epic does: cached for the `Cache-Control` max-age (no-store/no-cache: not
 * cached; absent: 5 minutes; at most 29 hours), refetched for an unknown kid at most once a minute, one fetch
 * in flight per URL. A set that cannot be fetched makes the client's assertion fail with invalid_client.
 */
export function createJwksCache(deps: { fetch: typeof fetch; clock: Clock }): JwksCache {
  const cache = new Map<string, CachedJwks>();
  const inFlight = new Map<string, Promise<CachedJwks>>();
  const counts = new Map<string, number>();

  function load(url: string): Promise<CachedJwks> {
    const pending = inFlight.get(url);
    if (pending) return pending;
    counts.set(url, (counts.get(url) ?? 0) + 1);
    const loading = fetchJwks(deps, url).finally(() => inFlight.delete(url));
    inFlight.set(url, loading);
    return loading.then((entry) => {
      cache.set(url, entry);
      return entry;
    });
  }

  return {
    async findKey(url, kid) {
      const now = deps.clock.now();
      let entry = cache.get(url);
      if (!entry || now >= entry.expiresAt) entry = await load(url);
      let key = entry.keys.find((candidate) => candidate.kid === kid);
      if (!key && now - entry.fetchedAt >= unknownKidRefetchMs) {
        entry = await load(url);
        key = entry.keys.find((candidate) => candidate.kid === kid);
      }
      return key;
    },
    fetchCount: (url) =>
      url === undefined ? [...counts.values()].reduce((sum, n) => sum + n, 0) : (counts.get(url) ?? 0),
    clear: () => cache.clear(),
  };
}

async function fetchJwks(deps: { fetch: typeof fetch; clock: Clock }, url: string): Promise<CachedJwks> {
  let response: Response;
  try {
    response = await deps.fetch(url, {
      headers: { accept: 'application/json' },
      redirect: 'error',
      signal: AbortSignal.timeout(fetchTimeoutMs),
    });
  } catch (cause) {
    throw new OAuthError('invalid_client', 'the client jwk set url could not be fetched', undefined, cause);
  }
  const text = response.ok ? await response.text() : '';
  const keys = response.ok && text.length <= largestJwksBytes ? readKeys(text) : undefined;
  if (!keys) {
    throw new OAuthError(
      'invalid_client',
      `the client jwk set url answered ${response.status} without a jwk set`,
    );
  }
  const now = deps.clock.now();
  const maxAge = readMaxAgeSeconds(response.headers.get('cache-control'));
  return { keys, fetchedAt: now, expiresAt: now + maxAge * 1000 };
}

function readKeys(text: string): JWK[] | undefined {
  try {
    const json = JSON.parse(text) as { keys?: unknown };
    if (!Array.isArray(json.keys)) return undefined;
    return json.keys.filter((key): key is JWK => typeof key === 'object' && key !== null && 'kty' in key);
  } catch {
    return undefined;
  }
}

/** Seconds a response may be cached according to its Cache-Control header. */
export function readMaxAgeSeconds(header: string | null): number {
  if (header === null) return defaultMaxAgeSeconds;
  const directives = header
    .toLowerCase()
    .split(',')
    .map((part) => part.trim());
  if (directives.includes('no-store') || directives.includes('no-cache')) return 0;
  const maxAge = directives.find((part) => part.startsWith('max-age='));
  const seconds = maxAge ? Number(maxAge.slice('max-age='.length)) : NaN;
  if (!Number.isFinite(seconds) || seconds < 0) return defaultMaxAgeSeconds;
  return Math.min(Math.floor(seconds), longestMaxAgeSeconds);
}
