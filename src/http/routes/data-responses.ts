import type { Context } from 'hono';
import type { SyncRunRow } from '../../store/sync-runs-repository.ts';
import { addDrops, listDrops, type DropCounts } from '../../sync/drop-counts.ts';

/** A stored query summary as the API shows it; the type and count are what its audit row summarises. */
interface RunQuery {
  resourceType: string;
  resources: number;
  dropReasons?: Array<{ reason: string; count: number }>;
}

/** The `next` link of a resources page: the same url with `_cursor`, path and query only. */
export function buildNextUrl(c: Context, cursor: string): string {
  const url = new URL(c.req.url);
  url.searchParams.set('_cursor', cursor);
  return `${url.pathname}${url.search}`;
}

/** A sync run row as `GET /api/connections/:id/sync-runs` answers it: ISO times, numbers, drops summed. */
export function toRunJson(row: SyncRunRow) {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  const queries = JSON.parse(row.queries) as RunQuery[];
  const drops: DropCounts = {};
  for (const query of queries)
    for (const { reason, count } of query.dropReasons ?? []) addDrops(drops, { [reason]: count });
  return {
    id: row.id,
    status: row.status,
    reason: row.reason,
    full: row.full === 1,
    startedAt: iso(row.started_at),
    finishedAt: iso(row.finished_at),
    resources: Number(row.resources),
    pages: Number(row.pages),
    bytes: Number(row.bytes),
    dropped: Number(row.dropped),
    dropReasons: listDrops(drops),
    queries,
    warnings: JSON.parse(row.warnings) as unknown,
    errors: JSON.parse(row.errors) as unknown,
  };
}
