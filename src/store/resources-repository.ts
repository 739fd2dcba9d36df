import { sql, type Kysely } from 'kysely';
import type { Database, SyncQueryStateTable } from './schema.ts';
import type { Selectable } from 'kysely';
import { writeQueryState } from './sync-runs-repository.ts';
import { assertLeaseHeld, type Fence } from './jobs-leases.ts';
import type SQLite from 'better-sqlite3';
import { createSqlitePageWriter, type PageWriteInput } from './sqlite-page-writer.ts';
import { createPostgresPageWriter } from './postgres-page-writer.ts';
import type { DialectName } from './database.ts';

/** A resource ready to store: validated type and id, serialised JSON and its hash. */
export interface ResourceRecord {
  resourceType: string;
  id: string;
  versionId: string | null;
  lastUpdated: string | null;
  /** Sortable newest-version key; '' when the resource carries no version information. */
  versionRank: string;
  json: string;
  hash: string;
}

export interface StoredResource {
  resource_type: string;
  resource_id: string;
  json: string;
  fetched_at: number;
}

export interface ResourceCursor {
  type: string;
  id: string;
}

export interface ListResourcesFilter {
  type?: string;
  /** Only resources whose content changed at or after this epoch ms. */
  since?: number;
  /** Only these types. */
  types?: string[];
  /** Only resources stored or confirmed by this sync run. */
  runId?: string;
  after?: ResourceCursor;
  limit: number;
}

export interface ResourcesRepository {
  /**
   * One transaction: upsert the page's resources (newest version wins) and the query's resume state; with a fence,
   * the lease check comes first in the same transaction.
   */
  ingestPage(input: {
    connectionId: string;
    runId: string;
    now: number;
    resources: ResourceRecord[];
    state?: Selectable<SyncQueryStateTable>;
    /** A job's lease: the page is written only while it is held (else ERR_LEASE_LOST and nothing written). */
    fence?: Fence;
  }): Promise<void>;
  list(connectionId: string, filter: ListResourcesFilter): Promise<StoredResource[]>;
  countByType(connectionId: string): Promise<Map<string, number>>;
  /** Resources this run stored or confirmed. */
  countInRun(connectionId: string, runId: string): Promise<number>;
  /** Which of these keys (`Type/id`) are stored; with a run id, only those stored or confirmed by that run. */
  findStored(connectionId: string, runId: string | undefined, keys: ResourceCursor[]): Promise<Set<string>>;
  /** After a complete full sync: removes resources of these types that the run did not see. */
  deleteVanished(connectionId: string, runId: string, types: string[]): Promise<number>;
}

const BATCH = 400;

/**
 * `sqlite` (the raw handle, SQLite only) enables the prepared-statement page writer; `dialect` 'postgres' the
 * one-statement page writer. Without either (or inside another SQLite transaction), pages go through Kysely.
 */
export function createResourcesRepository(
  db: Kysely<Database>,
  sqlite?: SQLite.Database,
  dialect?: DialectName,
): ResourcesRepository {
  let writePage: ((input: PageWriteInput) => boolean) | undefined;
  const writePostgresPage = dialect === 'postgres' ? createPostgresPageWriter(db) : undefined;
  return {
    async ingestPage({ connectionId, runId, now, resources, state, fence }) {
      if (sqlite) {
        writePage ??= createSqlitePageWriter(sqlite);
        if (writePage({ connectionId, runId, now, resources, state, fence })) return;
      }
      if (writePostgresPage) {
        return writePostgresPage({ connectionId, runId, now, resources, state, fence });
      }
      await db.transaction().execute(async (trx) => {
        if (fence) await assertLeaseHeld(trx, fence);
        for (let start = 0; start < resources.length; start += BATCH) {
          await upsertBatch(trx, connectionId, runId, now, resources.slice(start, start + BATCH));
        }
        if (state) await writeQueryState(trx, state);
      });
    },
    async list(connectionId, filter) {
      let query = db
        .selectFrom('resources')
        .select(['resource_type', 'resource_id', 'json', 'fetched_at'])
        .where('connection_id', '=', connectionId);
      if (filter.type) query = query.where('resource_type', '=', filter.type);
      if (filter.types) query = query.where('resource_type', 'in', filter.types);
      if (filter.runId) query = query.where('sync_run_id', '=', filter.runId);
      if (filter.since !== undefined) query = query.where('fetched_at', '>=', filter.since);
      const after = filter.after;
      if (after) {
        query = query.where((eb) =>
          eb.or([
            eb('resource_type', '>', after.type),
            eb.and([eb('resource_type', '=', after.type), eb('resource_id', '>', after.id)]),
          ]),
        );
      }
      return query.orderBy('resource_type').orderBy('resource_id').limit(filter.limit).execute();
    },
    async countByType(connectionId) {
      const rows = await db
        .selectFrom('resources')
        .select(['resource_type', (eb) => eb.fn.countAll<number>().as('n')])
        .where('connection_id', '=', connectionId)
        .groupBy('resource_type')
        .execute();
      return new Map(rows.map((row) => [row.resource_type, Number(row.n)]));
    },
    async countInRun(connectionId, runId) {
      const row = await db
        .selectFrom('resources')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('connection_id', '=', connectionId)
        .where('sync_run_id', '=', runId)
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    },
    async findStored(connectionId, runId, keys) {
      const seen = new Set<string>();
      for (let start = 0; start < keys.length; start += BATCH) {
        const slice = keys.slice(start, start + BATCH);
        let query = db
          .selectFrom('resources')
          .select(['resource_type', 'resource_id'])
          .where('connection_id', '=', connectionId);
        if (runId !== undefined) query = query.where('sync_run_id', '=', runId);
        const rows = await query
          .where((eb) =>
            eb.or(slice.map((k) => eb.and([eb('resource_type', '=', k.type), eb('resource_id', '=', k.id)]))),
          )
          .execute();
        for (const row of rows) seen.add(`${row.resource_type}/${row.resource_id}`);
      }
      return seen;
    },
    async deleteVanished(connectionId, runId, types) {
      if (types.length === 0) return 0;
      const result = await db
        .deleteFrom('resources')
        .where('connection_id', '=', connectionId)
        .where('resource_type', 'in', types)
        .where((eb) => eb.or([eb('sync_run_id', 'is', null), eb('sync_run_id', '<>', runId)]))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

async function upsertBatch(
  db: Kysely<Database>,
  connectionId: string,
  runId: string,
  now: number,
  resources: ResourceRecord[],
): Promise<void> {
  if (resources.length === 0) return;
  // Replace only when the content differs and the incoming version is not older; always mark the row as seen
  // by this run (vanished-resource removal keys on sync_run_id).
  const newer = sql<boolean>`(excluded.hash <> resources.hash and (excluded.version_rank = '' or excluded.version_rank >= resources.version_rank))`;
  const pick = <T>(column: string) =>
    sql<T>`case when ${newer} then excluded.${sql.ref(column)} else resources.${sql.ref(column)} end`;
  await db
    .insertInto('resources')
    .values(
      resources.map((r) => ({
        connection_id: connectionId,
        resource_type: r.resourceType,
        resource_id: r.id,
        version_id: r.versionId,
        last_updated: r.lastUpdated,
        version_rank: r.versionRank,
        json: r.json,
        hash: r.hash,
        fetched_at: now,
        sync_run_id: runId,
      })),
    )
    .onConflict((oc) =>
      oc.columns(['connection_id', 'resource_type', 'resource_id']).doUpdateSet({
        version_id: pick<string | null>('version_id'),
        last_updated: pick<string | null>('last_updated'),
        version_rank: pick<string>('version_rank'),
        json: pick<string>('json'),
        hash: pick<string>('hash'),
        fetched_at: pick<number>('fetched_at'),
        sync_run_id: sql<string>`excluded.sync_run_id`,
      }),
    )
    .execute();
}
