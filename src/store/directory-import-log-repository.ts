import type { Kysely, Selectable } from 'kysely';
import type { Database, DirectoryImportTable } from './schema.ts';

export type DirectoryImportRow = Selectable<DirectoryImportTable>;

/** The history of directory imports: what ran, from where, with which outcome and counts. */
export interface DirectoryImportLogRepository {
  start(entry: { id: string; source: string; location: string; now: number }): Promise<void>;
  finish(entry: {
    id: string;
    status: DirectoryImportRow['status'];
    source?: string;
    contentHash: string | null;
    counts: unknown;
    diff: unknown;
    error: string | null;
    now: number;
  }): Promise<void>;
  /** The newest successful import of a location (the content-hash baseline of `directory update`). */
  findLastSucceeded(location: string): Promise<DirectoryImportRow | undefined>;
  listRecent(limit: number): Promise<DirectoryImportRow[]>;
}

export function createDirectoryImportLogRepository(db: Kysely<Database>): DirectoryImportLogRepository {
  return {
    async start(entry) {
      await db
        .insertInto('directory_imports')
        .values({
          id: entry.id,
          source: entry.source,
          location: entry.location,
          status: 'running',
          content_hash: null,
          counts: '{}',
          diff: '{}',
          error: null,
          started_at: entry.now,
          finished_at: null,
        })
        .execute();
    },
    async finish(entry) {
      await db
        .updateTable('directory_imports')
        .set({
          status: entry.status,
          ...(entry.source ? { source: entry.source } : {}),
          content_hash: entry.contentHash,
          counts: JSON.stringify(entry.counts ?? {}),
          diff: JSON.stringify(entry.diff ?? {}),
          error: entry.error,
          finished_at: entry.now,
        })
        .where('id', '=', entry.id)
        .execute();
    },
    findLastSucceeded(location) {
      return db
        .selectFrom('directory_imports')
        .selectAll()
        .where('location', '=', location)
        .where('status', 'in', ['succeeded', 'unchanged'])
        .orderBy('started_at', 'desc')
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst();
    },
    listRecent(limit) {
      return db
        .selectFrom('directory_imports')
        .selectAll()
        .orderBy('started_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
    },
  };
}
