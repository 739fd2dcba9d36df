import type { Kysely } from 'kysely';
import { ChartbridgeError } from '../errors.ts';
import type { DialectName } from './database.ts';
import type { Database } from './schema.ts';

/** A held lease: the key and the fencing token that proves this holder is the newest one. */
export interface Fence {
  key: string;
  owner: string;
  token: number;
}

export interface LeaseGrant extends Fence {
  /** The job the previous holder was running when its lease expired (it crashed or stalled), if any. */
  abandoned: { name: string; id: string } | null;
}

export interface ExpiredLease {
  key: string;
  jobName: string;
  jobId: string;
}

export interface JobLeaseRepository {
  acquire(input: {
    key: string;
    owner: string;
    ttlMs: number;
    now: number;
    job?: { name: string; id: string };
  }): Promise<LeaseGrant | null>;
  /** Extends a lease this holder still has; false when it was taken over (the holder must stop). */
  renew(fence: Fence, ttlMs: number, now: number): Promise<boolean>;
  release(fence: Fence): Promise<void>;
  /** Releases every lease an owner holds (shutdown); its fences stop working at once. */
  releaseOwner(owner: string): Promise<number>;
  /** Inside a write transaction: throws ERR_LEASE_LOST unless `fence` is still the newest holder. */
  assertHeld(db: Kysely<Database>, fence: Fence): Promise<void>;
  /** Claims expired leases that still name a job, so exactly one reaper fails each abandoned job. */
  claimExpired(now: number, limit: number): Promise<ExpiredLease[]>;
  /** Who holds `key` now, and for which job, if anyone ever did. */
  find(key: string): Promise<{ owner: string | null; jobId: string | null; expiresAt: number } | undefined>;
}

/** The error a fenced write raises when its lease was taken over. */
export function leaseLostError(key: string): ChartbridgeError {
  return new ChartbridgeError(
    'ERR_LEASE_LOST',
    `lease '${key}' was taken over by another worker; this worker stops writing`,
  );
}

/**
 * The fence check, first statement of a write transaction: throws ERR_LEASE_LOST unless `fence` is still the newest
 * holder. A no-op UPDATE rather than a SELECT: on PostgreSQL it locks the lease row, so a takeover waits until this
 * transaction commits; on SQLite a write as the first statement takes the write lock up front (waiting through
 * busy_timeout) instead of failing later when a read transaction tries to upgrade.
 */
export async function assertLeaseHeld(trx: Kysely<Database>, fence: Fence): Promise<void> {
  const result = await trx
    .updateTable('job_leases')
    .set({ fence: fence.token })
    .where('key', '=', fence.key)
    .where('fence', '=', fence.token)
    .where('owner', '=', fence.owner)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) throw leaseLostError(fence.key);
}

/** The same check as one prepared statement, for synchronous SQLite transactions (the page writer's hot path). */
export const ASSERT_LEASE_HELD_SQL =
  'update job_leases set fence = ? where "key" = ? and fence = ? and owner = ?';

/** Leases with fencing tokens on `job_leases`; the token only grows, so a stale holder can always be told apart. */
export function createJobLeaseRepository(db: Kysely<Database>, _dialect: DialectName): JobLeaseRepository {
  return {
    async acquire({ key, owner, ttlMs, now, job }) {
      const fresh = {
        owner,
        job_name: job?.name ?? null,
        job_id: job?.id ?? null,
        expires_at: now + ttlMs,
      };
      const inserted = await db
        .insertInto('job_leases')
        .values({ key, fence: 1, ...fresh })
        .onConflict((oc) => oc.column('key').doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1) {
        return { key, owner, token: 1, abandoned: null };
      }
      const row = await db.selectFrom('job_leases').selectAll().where('key', '=', key).executeTakeFirst();
      if (!row || (row.owner !== null && row.expires_at > now)) return null;
      // Compare-and-swap on the old token: of two processes taking over at once, one wins.
      const updated = await db
        .updateTable('job_leases')
        .set({ ...fresh, fence: row.fence + 1 })
        .where('key', '=', key)
        .where('fence', '=', row.fence)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) return null;
      const abandoned =
        row.owner !== null && row.job_id !== null && row.job_name !== null
          ? { name: row.job_name, id: row.job_id }
          : null;
      return { key, owner, token: row.fence + 1, abandoned };
    },

    async find(key) {
      const row = await db
        .selectFrom('job_leases')
        .select(['owner', 'job_id', 'expires_at'])
        .where('key', '=', key)
        .executeTakeFirst();
      return row && { owner: row.owner, jobId: row.job_id, expiresAt: row.expires_at };
    },

    async renew(fence, ttlMs, now) {
      const result = await db
        .updateTable('job_leases')
        .set({ expires_at: now + ttlMs })
        .where('key', '=', fence.key)
        .where('fence', '=', fence.token)
        .where('owner', '=', fence.owner)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async release(fence) {
      await db
        .updateTable('job_leases')
        .set({ owner: null, job_name: null, job_id: null, expires_at: 0 })
        .where('key', '=', fence.key)
        .where('fence', '=', fence.token)
        .where('owner', '=', fence.owner)
        .execute();
    },

    async releaseOwner(owner) {
      const result = await db
        .updateTable('job_leases')
        .set({ owner: null, job_name: null, job_id: null, expires_at: 0 })
        .where('owner', '=', owner)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    assertHeld: assertLeaseHeld,

    async claimExpired(now, limit) {
      const rows = await db
        .selectFrom('job_leases')
        .selectAll()
        .where('owner', 'is not', null)
        .where('job_id', 'is not', null)
        .where('expires_at', '<', now)
        .limit(limit)
        .execute();
      const claimed: ExpiredLease[] = [];
      for (const row of rows) {
        const result = await db
          .updateTable('job_leases')
          .set({ owner: null, job_name: null, job_id: null, expires_at: 0 })
          .where('key', '=', row.key)
          .where('fence', '=', row.fence)
          .where('owner', 'is not', null)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) === 1 && row.job_id && row.job_name) {
          claimed.push({ key: row.key, jobName: row.job_name, jobId: row.job_id });
        }
      }
      return claimed;
    },
  };
}
