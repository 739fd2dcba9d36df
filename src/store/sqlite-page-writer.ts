import type SQLite from 'better-sqlite3';
import type { Selectable } from 'kysely';
import { ASSERT_LEASE_HELD_SQL, leaseLostError, type Fence } from './jobs-leases.ts';
import type { ResourceRecord } from './resources-repository.ts';
import type { SyncQueryStateTable } from './schema.ts';
import { RESOURCE_UPSERT_SET, STATE_COLUMNS, STATE_UPSERT_SET } from './page-write-sql.ts';

const UPSERT_RESOURCE = `insert into resources
  (connection_id, resource_type, resource_id, version_id, last_updated, version_rank, json, hash, fetched_at, sync_run_id)
  values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  on conflict (connection_id, resource_type, resource_id) do update set
  ${RESOURCE_UPSERT_SET}`;

const UPSERT_STATE = `insert into sync_query_states (run_id, query_key, ${STATE_COLUMNS.join(', ')})
  values (?, ?, ${STATE_COLUMNS.map(() => '?').join(', ')})
  on conflict (run_id, query_key) do update set ${STATE_UPSERT_SET}`;

export interface PageWriteInput {
  connectionId: string;
  runId: string;
  now: number;
  resources: ResourceRecord[];
  state?: Selectable<SyncQueryStateTable>;
  /** A job's lease: checked first inside the transaction, so a page of a worker that lost it is never written. */
  fence?: Fence;
}

/**
 * The SQLite hot path of page ingest: statements prepared once, one synchronous transaction per page (the same
 * SQL, newest-version rule and lease fence as the Kysely path). Returns false when another transaction is open on the
 * connection (Kysely's), so the caller uses the Kysely path instead of nesting.
 */
export function createSqlitePageWriter(sqlite: SQLite.Database): (input: PageWriteInput) => boolean {
  const upsertResource = sqlite.prepare(UPSERT_RESOURCE);
  const upsertState = sqlite.prepare(UPSERT_STATE);
  const assertLeaseHeld = sqlite.prepare(ASSERT_LEASE_HELD_SQL);
  const write = sqlite.transaction((input: PageWriteInput) => {
    const fence = input.fence;
    if (fence && assertLeaseHeld.run(fence.token, fence.key, fence.token, fence.owner).changes !== 1) {
      throw leaseLostError(fence.key);
    }
    for (const r of input.resources) {
      upsertResource.run(
        input.connectionId,
        r.resourceType,
        r.id,
        r.versionId,
        r.lastUpdated,
        r.versionRank,
        r.json,
        r.hash,
        input.now,
        input.runId,
      );
    }
    const s = input.state;
    if (s) {
      upsertState.run(
        s.run_id,
        s.query_key,
        s.resource_type,
        s.category,
        s.status,
        s.next_url,
        s.resources,
        s.pages,
        s.bytes,
        s.http_status,
        s.reason,
        s.warnings,
        s.updated_at,
        s.dropped,
        s.drop_reasons,
        s.unavailable,
      );
    }
  });
  return (input) => {
    if (sqlite.inTransaction) return false;
    write(input);
    return true;
  };
}
