import { randomBytes } from 'node:crypto';
import type { Clock } from '../../clock.ts';
import type { FhirResource } from '../model.ts';
import type { EpicCode } from './epic-outcome.ts';

/** A search whose matches are fixed when it first runs; later pages slice the same list. */
export interface StoredSearch {
  orgId: string;
  patientId: string;
  clientId: string;
  resourceType: string;
  /** Path under the FHIR base the search ran on (`Observation`, `Patient/{id}/$everything`), for next links. */
  path: string;
  /** The first request's parameters (some servers repeat them in next links). */
  params: URLSearchParams;
  /** The patient's list of this type (possibly lazy); `matches` index into it. */
  source: FhirResource[];
  matches: number[];
  count: number;
  revincludeProvenance: boolean;
  warnings: EpicCode[];
}

export interface SearchPage {
  search: StoredSearch;
  offset: number;
}

/**
 * Opaque `sessionID` cursors for next links, one per page. A cursor stays valid (so a retried request after a
 * network error gets the same page) until `ttlMs` after it was issued; then Epic-style 4113.
 */
export interface SearchSessions {
  issue(search: StoredSearch, offset: number): string;
  resolve(sessionId: string): SearchPage | 'expired' | undefined;
  size(): number;
}

export function createSearchSessions(deps: { clock: Clock; ttlMs: number }): SearchSessions {
  const cursors = new Map<string, SearchPage & { expiresAt: number }>();
  let issued = 0;
  const sweep = (): void => {
    const now = deps.clock.now();
    for (const [id, cursor] of cursors) if (cursor.expiresAt <= now) cursors.delete(id);
  };
  return {
    issue(search, offset) {
      issued += 1;
      if (issued % 256 === 0) sweep();
      const id = `${16 + (issued % 84)}-${randomBytes(16).toString('hex').toUpperCase()}`;
      cursors.set(id, { search, offset, expiresAt: deps.clock.now() + deps.ttlMs });
      return id;
    },
    resolve(sessionId) {
      const cursor = cursors.get(sessionId);
      if (!cursor) return undefined;
      if (cursor.expiresAt <= deps.clock.now()) {
        cursors.delete(sessionId);
        return 'expired';
      }
      return { search: cursor.search, offset: cursor.offset };
    },
    size: () => cursors.size,
  };
}
