import { sql, type Kysely, type Selectable, type Insertable } from 'kysely';
import type { ConnectionStatus, ConnectionTable, Database } from './schema.ts';

export type ConnectionRow = Selectable<ConnectionTable>;
export type NewConnectionRow = Insertable<ConnectionTable>;

export interface SealedTokenUpdate {
  accessTokenSealed: string;
  refreshTokenSealed: string | null;
  accessExpiresAt: number;
  scope: string;
  refreshable: boolean;
  now: number;
}

export interface RefreshLease {
  owner: string;
  /** The token version the holder read; the update only lands if nobody changed the tokens since. */
  tokenVersion: number;
}

export interface ConnectionRepository {
  insert(row: NewConnectionRow): Promise<void>;
  findById(id: string): Promise<ConnectionRow | undefined>;
  listByUser(userId: string): Promise<ConnectionRow[]>;
  listAll(): Promise<ConnectionRow[]>;
  /** Up to `limit` connections that hold a sealed token (other than `exceptId`): the encryption key check. */
  listSealedSample(
    limit: number,
    exceptId?: string,
  ): Promise<Pick<ConnectionRow, 'id' | 'access_token_sealed' | 'refresh_token_sealed'>[]>;
  /** The connection a re-authorisation of the same patient at the same endpoint replaces. */
  findForPatient(userId: string, endpointId: string, patientId: string): Promise<ConnectionRow | undefined>;
  /** A new grant for an existing connection (reconnect): newest grant wins, any lease is void. */
  replaceGrant(id: string, fields: Partial<ConnectionRow>, now: number): Promise<void>;
  /**
   * Compare-and-swap lease (cross-process single flight): succeeds only if the connection is active, still at
   * `lease.tokenVersion`, and no other live lease exists.
   */
  acquireRefreshLease(id: string, lease: RefreshLease, now: number, until: number): Promise<boolean>;
  /** Stores a refreshed token pair under the lease and bumps the version; false if the lease was lost. */
  storeRefreshedTokens(id: string, lease: RefreshLease, update: SealedTokenUpdate): Promise<boolean>;
  /** Releases the lease and nothing else (a refresh that never reached the EHR, such as under a wrong key). */
  releaseRefreshLease(id: string, owner: string): Promise<void>;
  /** Releases the lease after a transient failure, counting it and setting when to try again. */
  recordRefreshFailure(id: string, owner: string, retryAt: number, now: number): Promise<void>;
  /** A plain status change; never moves a revoked connection to another status. */
  setStatus(id: string, status: ConnectionStatus, reason: string | null, now: number): Promise<void>;
  /**
   * needs_reauth / revoked: the grant is gone, so the tokens go too. With `owner`, only while that refresh lease
   * is still held, so a re-authorisation that landed meanwhile is not undone (the newest grant wins).
   */
  endGrant(
    id: string,
    status: ConnectionStatus,
    reason: string,
    now: number,
    owner?: string,
  ): Promise<boolean>;
}

/** Written whenever a lease ends: released, lost to a newer grant, or never taken. */
const CLEARED_LEASE = { refresh_lease_owner: null, refresh_lease_until: null } as const;
/** A fresh grant or a successful refresh: no lease, no failures, no backoff. */
const CLEARED_BACKOFF = { ...CLEARED_LEASE, refresh_failures: 0, refresh_retry_at: null } as const;

export function createConnectionRepository(db: Kysely<Database>): ConnectionRepository {
  return { ...createConnectionReads(db), ...createGrantWrites(db), ...createLeaseWrites(db) };
}

/** Reads, the first insert, and a plain status change. */
function createConnectionReads(
  db: Kysely<Database>,
): Pick<
  ConnectionRepository,
  'insert' | 'findById' | 'listByUser' | 'listAll' | 'listSealedSample' | 'findForPatient' | 'setStatus'
> {
  return {
    async insert(row) {
      await db.insertInto('connections').values(row).execute();
    },
    findById(id) {
      return db.selectFrom('connections').selectAll().where('id', '=', id).executeTakeFirst();
    },
    listByUser(userId) {
      return db
        .selectFrom('connections')
        .selectAll()
        .where('user_id', '=', userId)
        .orderBy('created_at')
        .execute();
    },
    listAll() {
      return db.selectFrom('connections').selectAll().orderBy('created_at').execute();
    },
    listSealedSample(limit, exceptId) {
      let query = db
        .selectFrom('connections')
        .select(['id', 'access_token_sealed', 'refresh_token_sealed'])
        .where((eb) =>
          eb.or([eb('refresh_token_sealed', 'is not', null), eb('access_token_sealed', 'is not', null)]),
        );
      if (exceptId !== undefined) query = query.where('id', '!=', exceptId);
      return query.limit(limit).execute();
    },
    findForPatient(userId, endpointId, patientId) {
      return db
        .selectFrom('connections')
        .selectAll()
        .where('user_id', '=', userId)
        .where('endpoint_id', '=', endpointId)
        .where('patient_id', '=', patientId)
        .executeTakeFirst();
    },
    async setStatus(id, status, reason, now) {
      let query = db
        .updateTable('connections')
        .set({ status, status_reason: reason, updated_at: now })
        .where('id', '=', id);
      // Only a new grant (replaceGrant) brings a revoked connection back: a sync or refresh still in flight when
      // it was disconnected or erased must not mark it needs_reauth or key_error afterwards.
      if (status !== 'revoked') query = query.where('status', '!=', 'revoked');
      await query.execute();
    },
  };
}

/** Grant lifecycle: a new grant, the end of a grant, a counted failure (which also frees the lease). */
function createGrantWrites(
  db: Kysely<Database>,
): Pick<ConnectionRepository, 'replaceGrant' | 'endGrant' | 'recordRefreshFailure' | 'releaseRefreshLease'> {
  return {
    async replaceGrant(id, fields, now) {
      await db
        .updateTable('connections')
        .set({
          ...fields,
          token_version: sql<number>`token_version + 1`,
          ...CLEARED_BACKOFF,
          updated_at: now,
        })
        .where('id', '=', id)
        .execute();
    },
    async endGrant(id, status, reason, now, owner) {
      let query = db
        .updateTable('connections')
        .set({
          status,
          status_reason: reason,
          access_token_sealed: null,
          refresh_token_sealed: null,
          refreshable: 0,
          ...CLEARED_LEASE,
          token_version: sql<number>`token_version + 1`,
          updated_at: now,
        })
        .where('id', '=', id);
      if (owner !== undefined) query = query.where('refresh_lease_owner', '=', owner);
      const result = await query.executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async releaseRefreshLease(id, owner) {
      await db
        .updateTable('connections')
        .set(CLEARED_LEASE)
        .where('id', '=', id)
        .where('refresh_lease_owner', '=', owner)
        .execute();
    },
    async recordRefreshFailure(id, owner, retryAt, now) {
      await db
        .updateTable('connections')
        .set({
          ...CLEARED_LEASE,
          refresh_failures: sql<number>`refresh_failures + 1`,
          refresh_retry_at: retryAt,
          updated_at: now,
        })
        .where('id', '=', id)
        .where('refresh_lease_owner', '=', owner)
        .execute();
    },
  };
}

/** The refresh lease: take it, and store the new tokens under it. */
function createLeaseWrites(
  db: Kysely<Database>,
): Pick<ConnectionRepository, 'acquireRefreshLease' | 'storeRefreshedTokens'> {
  return {
    async acquireRefreshLease(id, lease, now, until) {
      const result = await db
        .updateTable('connections')
        .set({ refresh_lease_owner: lease.owner, refresh_lease_until: until })
        .where('id', '=', id)
        .where('status', '=', 'active')
        .where('token_version', '=', lease.tokenVersion)
        .where((eb) => eb.or([eb('refresh_lease_until', 'is', null), eb('refresh_lease_until', '<', now)]))
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async storeRefreshedTokens(id, lease, update) {
      const result = await db
        .updateTable('connections')
        .set({
          access_token_sealed: update.accessTokenSealed,
          refresh_token_sealed: update.refreshTokenSealed,
          access_expires_at: update.accessExpiresAt,
          scope: update.scope,
          refreshable: update.refreshable ? 1 : 0,
          token_version: lease.tokenVersion + 1,
          ...CLEARED_BACKOFF,
          status_reason: null,
          updated_at: update.now,
        })
        .where('id', '=', id)
        .where('refresh_lease_owner', '=', lease.owner)
        .where('token_version', '=', lease.tokenVersion)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}
