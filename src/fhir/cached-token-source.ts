import type { TokenSource } from './fhir-client.ts';

/**
 * A sync's access token, read from the vault at most once per `ttlMs` instead of before every request: each read
 * is a database round trip (and on PostgreSQL a query on the server), one per FHIR request, a third of a sync's
 * statements (issue 17). The vault only hands out a token with minutes of life left, so a second-old copy is
 * still good; a connection disconnected or erased meanwhile is noticed at most `ttlMs` later (and an erase
 * also voids the sync's lease, which every page commit checks). A rejected token is dropped at once.
 */
export function createCachedTokenSource(source: TokenSource, now: () => number, ttlMs = 1000): TokenSource {
  const cached = new Map<string, { token: Promise<string>; until: number }>();
  return {
    getAccessToken(connectionId) {
      const hit = cached.get(connectionId);
      if (hit && hit.until > now()) return hit.token;
      // Requests that start together share one read; a failed read is not kept.
      const token = source.getAccessToken(connectionId);
      const entry = { token, until: now() + ttlMs };
      cached.set(connectionId, entry);
      token.catch(() => {
        if (cached.get(connectionId) === entry) cached.delete(connectionId);
      });
      return token;
    },
    refreshAfterRejection(connectionId, rejectedToken) {
      cached.delete(connectionId);
      return source.refreshAfterRejection(connectionId, rejectedToken);
    },
  };
}
