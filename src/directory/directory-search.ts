import type { Kysely } from 'kysely';
import type { Clock } from '../clock.ts';
import { ChartbridgeError } from '../errors.ts';
import type { Database } from '../store/schema.ts';
import { createDirectoryRepository, type DirectoryResultRow } from '../store/directory-repository.ts';
import { buildSearchIndex, type SearchIndex } from './search-index.ts';

export interface DirectorySearchResult {
  organizationId: string;
  name: string;
  kind: string;
  city: string | null;
  state: string | null;
  brand: { id: string; name: string } | null;
  endpointId: string;
  fhirBase: string;
  vendor: string;
  logoUrl: string | null;
  portal: { name: string | null; url: string | null; orgId: string | null };
  score: number;
}

export interface DirectorySearch {
  search(query: string, options?: { limit?: number }): Promise<DirectorySearchResult[]>;
  /** Loads the current directory now (a server calls it before it says "ready"); resolves to its size. */
  warm(): Promise<number>;
}

export const MAX_QUERY_LENGTH = 200;
export const MAX_LIMIT = 50;

/**
 * Directory search for the picker, the API and the CLI. The index lives in memory and reloads when the
 * directory changes (a version check at most every `freshnessMs`), so an import or `directory add` in another
 * process shows up in the next search.
 */
export function createDirectorySearch(deps: {
  db: Kysely<Database>;
  clock: Clock;
  freshnessMs?: number;
  /**
   * Keep answering from the previous index while a changed directory loads (seconds for ~100k organisations), so
   * no patient waits on a reload; the server turns this on, tests leave it off to see imports at once.
   */
  staleWhileReloading?: boolean;
  /** How long a search waits for a reload before answering from the previous index (default 1 s). */
  reloadWaitMs?: number;
}) {
  const repository = createDirectoryRepository(deps.db);
  const freshnessMs = deps.freshnessMs ?? 500;
  let index: SearchIndex | undefined;
  let version = '';
  let checkedAt = -Infinity;
  let loading: Promise<SearchIndex> | undefined;

  const load = async (): Promise<SearchIndex> => {
    const latest = await repository.readVersion();
    if (index && latest === version) return index;
    const rows = await repository.listSearchable();
    index = buildSearchIndex(
      rows.map((r) => ({
        ...r,
        brandId: r.brand_id,
        aliases: parseAliases(r.aliases),
        endpointId: r.endpoint_id!,
      })),
    );
    version = latest;
    return index;
  };
  const currentIndex = async (): Promise<SearchIndex> => {
    if (index && deps.clock.now() - checkedAt < freshnessMs) return index;
    const loaded = startLoad();
    if (index && deps.staleWhileReloading) {
      // Usually the check says "unchanged", or a reload takes milliseconds: wait that long, so the first search
      // after a change already sees it. A reload of a huge directory answers from the previous index meanwhile.
      const previous = index;
      return (await settleWithin(loaded, deps.reloadWaitMs ?? 1000)) ?? previous;
    }
    return loaded;
  };
  /** Concurrent searches share one check (a cheap version query) and one reload. */
  const startLoad = (): Promise<SearchIndex> =>
    (loading ??= load().finally(() => {
      loading = undefined;
      checkedAt = deps.clock.now();
    }));
  const search: DirectorySearch['search'] = async (query, options = {}) => {
    const limit = validateLimit(options.limit ?? 10);
    if (typeof query !== 'string' || query.length > MAX_QUERY_LENGTH) {
      throw new ChartbridgeError(
        'ERR_INVALID_INPUT',
        `the search text must be at most ${MAX_QUERY_LENGTH} characters`,
      );
    }
    const hits = (await currentIndex()).search(query, limit);
    const rows = await repository.findResults(hits.map((h) => h.id));
    const scores = new Map(hits.map((h) => [h.id, h.score]));
    return rows.map((row) => toResult(row, scores.get(row.organizationId) ?? 0));
  };
  const warm = async (): Promise<number> => {
    // A check already running may have read the version before the latest change: start a fresh one after it.
    await loading?.catch(() => undefined);
    return (await startLoad()).size;
  };
  return { search, warm } satisfies DirectorySearch;
}

/** The promise's value if it settles within `ms` (a failure counts as no value), else undefined. */
async function settleWithin<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  const settled = promise.catch(() => undefined);
  if (ms <= 0) return undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
    timer.unref();
  });
  try {
    return await Promise.race([settled, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function validateLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new ChartbridgeError(
      'ERR_INVALID_INPUT',
      `the limit must be a whole number from 1 to ${MAX_LIMIT}`,
    );
  }
  return limit;
}

function parseAliases(json: string): string[] {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value.filter((a): a is string => typeof a === 'string') : [];
  } catch {
    return [];
  }
}

function toResult(row: DirectoryResultRow, score: number): DirectorySearchResult {
  return {
    organizationId: row.organizationId,
    name: row.name,
    kind: row.kind,
    city: row.city,
    state: row.state,
    brand: row.brandId && row.brandName ? { id: row.brandId, name: row.brandName } : null,
    endpointId: row.endpointId,
    fhirBase: row.fhirBase,
    vendor: row.vendor,
    logoUrl: row.logoUrl,
    portal: { name: row.portalName, url: row.portalUrl, orgId: row.portalOrgId },
    score,
  };
}
