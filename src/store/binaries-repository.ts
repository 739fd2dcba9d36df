import type { Kysely, Selectable } from 'kysely';
import { assertLeaseHeld, type Fence } from './jobs-leases.ts';
import type { BinaryTable, Database } from './schema.ts';

export type BinaryRow = Selectable<BinaryTable>;
export type BinaryStatus = BinaryRow['status'];

export interface BinaryDownload {
  contentType: string;
  status: BinaryStatus;
  size: number;
  data: Buffer | null;
}

/** What a run needs to know of an attachment it met before. */
export interface KnownBinary {
  status: BinaryStatus;
  reason: string | null;
  /** Due for another try now (retryable statuses only, and not by the run that last tried). */
  due: boolean;
}

/** A fetched attachment: stored, or decoded but kept out (corrupt, too large). */
export interface FetchedBinary {
  connection_id: string;
  binary_id: string;
  source: string | null;
  content_type: string;
  size: number;
  hash: string;
  data: Buffer | null;
  status: 'ok' | 'corrupt' | 'too_large';
  reason: string | null;
  fetched_at: number;
}

/** An attachment not fetched: `refused`/`failed` are retried at `nextAttemptAt`, `outside` never. */
export interface MissedBinary {
  connectionId: string;
  binaryId: string;
  source: string | null;
  status: 'refused' | 'failed' | 'outside' | 'too_large';
  reason: string;
  now: number;
  runId: string;
  /** Given the attempts so far (this one included), when it is due again. */
  nextAttemptAt: (attempts: number) => number;
}

export interface AttachmentSummary {
  fetched: number;
  /** Attachments not stored, by status and reason. */
  missing: Array<{ status: BinaryStatus; reason: string; count: number }>;
}

export interface ExportableBinary {
  binaryId: string;
  source: string | null;
  contentType: string;
}

const RETRYABLE: BinaryStatus[] = ['refused', 'failed'];

export interface BinariesRepository {
  /** The rows among these ids, with whether each is due for another try by this run. */
  findKnown(
    connectionId: string,
    binaryIds: string[],
    at: { now: number; runId: string },
  ): Promise<Map<string, KnownBinary>>;
  /** Failed attachments due again (oldest first), found by no search of this run: later syncs retry them. */
  listDue(
    connectionId: string,
    at: { now: number; runId: string },
    limit: number,
  ): Promise<Array<{ binaryId: string; source: string }>>;
  /** Failed attachments this run did not try (their backoff is not over), by reason. */
  countWaiting(connectionId: string, runId: string): Promise<Array<{ reason: string; count: number }>>;
  /** Stores an attachment; bytes identical to an already stored one (same hash) are kept once. */
  /** With the sync's fence, the write lands only while that sync still holds its lease (an erase voids it). */
  save(row: FetchedBinary, fence?: Fence): Promise<void>;
  /** Records an attachment that was not fetched, counting its attempts for the backoff. */
  recordMissed(missed: MissedBinary, fence?: Fence): Promise<void>;
  summarize(connectionId: string): Promise<AttachmentSummary>;
  /** Stored attachments in id order after `after`, without their bytes (read them one at a time). */
  listStored(connectionId: string, after: string | undefined, limit: number): Promise<ExportableBinary[]>;
  findForDownload(connectionId: string, binaryId: string): Promise<BinaryDownload | undefined>;
}

export function createBinariesRepository(db: Kysely<Database>): BinariesRepository {
  return {
    async findKnown(connectionId, binaryIds, at) {
      const known = new Map<string, KnownBinary>();
      for (let i = 0; i < binaryIds.length; i += 500) {
        const rows = await db
          .selectFrom('binaries')
          .select(['binary_id', 'status', 'reason', 'next_attempt_at', 'attempt_run_id'])
          .where('connection_id', '=', connectionId)
          .where('binary_id', 'in', binaryIds.slice(i, i + 500))
          .execute();
        for (const row of rows) {
          const due =
            RETRYABLE.includes(row.status) &&
            Number(row.next_attempt_at ?? 0) <= at.now &&
            row.attempt_run_id !== at.runId;
          known.set(row.binary_id, { status: row.status, reason: row.reason, due });
        }
      }
      return known;
    },
    async listDue(connectionId, at, limit) {
      const rows = await db
        .selectFrom('binaries')
        .select(['binary_id', 'source'])
        .where('connection_id', '=', connectionId)
        .where('status', 'in', RETRYABLE)
        .where('source', 'is not', null)
        .where('next_attempt_at', '<=', at.now)
        .where((eb) => eb.or([eb('attempt_run_id', 'is', null), eb('attempt_run_id', '<>', at.runId)]))
        .orderBy('next_attempt_at')
        .limit(limit)
        .execute();
      return rows.map((row) => ({ binaryId: row.binary_id, source: row.source! }));
    },
    async countWaiting(connectionId, runId) {
      const rows = await db
        .selectFrom('binaries')
        .select(['reason', (eb) => eb.fn.countAll<number>().as('n')])
        .where('connection_id', '=', connectionId)
        .where('status', 'in', RETRYABLE)
        .where((eb) => eb.or([eb('attempt_run_id', 'is', null), eb('attempt_run_id', '<>', runId)]))
        .groupBy('reason')
        .orderBy('reason')
        .execute();
      return rows.map((row) => ({ reason: row.reason ?? 'not available', count: Number(row.n) }));
    },
    async save(row, fence) {
      await db.transaction().execute(async (trx) => {
        if (fence) await assertLeaseHeld(trx, fence);
        let data = row.data;
        if (data && row.status === 'ok') {
          const twin = await trx
            .selectFrom('binaries')
            .select('binary_id')
            .where('connection_id', '=', row.connection_id)
            .where('hash', '=', row.hash)
            .where('binary_id', '<>', row.binary_id)
            .where('data', 'is not', null)
            .executeTakeFirst();
          if (twin) data = null;
        }
        const values = { ...row, data, next_attempt_at: null, attempt_run_id: null };
        const { connection_id: _c, binary_id: _b, ...rest } = values;
        await trx
          .insertInto('binaries')
          .values(values)
          .onConflict((oc) => oc.columns(['connection_id', 'binary_id']).doUpdateSet(rest))
          .execute();
      });
    },
    async recordMissed(missed, fence) {
      await db.transaction().execute(async (trx) => {
        if (fence) await assertLeaseHeld(trx, fence);
        const prior = await trx
          .selectFrom('binaries')
          .select('attempts')
          .where('connection_id', '=', missed.connectionId)
          .where('binary_id', '=', missed.binaryId)
          .executeTakeFirst();
        const attempts = Number(prior?.attempts ?? 0) + 1;
        const retry = RETRYABLE.includes(missed.status);
        const values = {
          source: missed.source,
          content_type: 'application/octet-stream',
          size: 0,
          hash: '',
          data: null,
          status: missed.status,
          reason: missed.reason,
          fetched_at: missed.now,
          attempts,
          next_attempt_at: retry ? missed.nextAttemptAt(attempts) : null,
          attempt_run_id: missed.runId,
        };
        await trx
          .insertInto('binaries')
          .values({ connection_id: missed.connectionId, binary_id: missed.binaryId, ...values })
          .onConflict((oc) => oc.columns(['connection_id', 'binary_id']).doUpdateSet(values))
          .execute();
      });
    },
    async summarize(connectionId) {
      const rows = await db
        .selectFrom('binaries')
        .select(['status', 'reason', (eb) => eb.fn.countAll<number>().as('n')])
        .where('connection_id', '=', connectionId)
        .groupBy(['status', 'reason'])
        .orderBy('status')
        .orderBy('reason')
        .execute();
      let fetched = 0;
      const missing: AttachmentSummary['missing'] = [];
      for (const row of rows) {
        if (row.status === 'ok') fetched += Number(row.n);
        else missing.push({ status: row.status, reason: row.reason ?? row.status, count: Number(row.n) });
      }
      return { fetched, missing };
    },
    async listStored(connectionId, after, limit) {
      let query = db
        .selectFrom('binaries')
        .select(['binary_id', 'source', 'content_type'])
        .where('connection_id', '=', connectionId)
        .where('status', '=', 'ok');
      if (after !== undefined) query = query.where('binary_id', '>', after);
      const rows = await query.orderBy('binary_id').limit(limit).execute();
      return rows.map((row) => ({
        binaryId: row.binary_id,
        source: row.source,
        contentType: row.content_type,
      }));
    },
    async findForDownload(connectionId, binaryId) {
      const row = await db
        .selectFrom('binaries')
        .selectAll()
        .where('connection_id', '=', connectionId)
        .where('binary_id', '=', binaryId)
        .executeTakeFirst();
      if (!row) return undefined;
      let data = row.data;
      if (data === null && row.status === 'ok') {
        const twin = await db
          .selectFrom('binaries')
          .select('data')
          .where('connection_id', '=', connectionId)
          .where('hash', '=', row.hash)
          .where('data', 'is not', null)
          .executeTakeFirst();
        data = twin?.data ?? null;
      }
      return { contentType: row.content_type, status: row.status, size: Number(row.size), data };
    },
  };
}
