import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import type { DialectName } from './database.ts';
import type { Database } from './schema.ts';

export interface SlotRepository {
  /**
   * Takes up to `count` free slots of `pool` (slots 0..limit-1) in one statement; none when all are held by live
   * leases. Each row's holder is `holderPrefix` followed by its slot number, so every taken row has its own holder.
   */
  acquireMany(input: {
    pool: string;
    limit: number;
    count: number;
    holderPrefix: string;
    ttlMs: number;
    now: number;
  }): Promise<Array<{ slot: number; holder: string }>>;
  /**
   * Extends to `expiresAt` every lease an owner holds, its numbered holders `{owner}#{n}` included, and never
   * shortens one: a renewal that was slow on its way must not cut short a lease taken after it was computed.
   */
  renewOwner(owner: string, expiresAt: number): Promise<number>;
  /** Frees the rows of `pool` held by exactly these holders (one statement). */
  releaseMany(pool: string, holders: string[]): Promise<void>;
  /** Frees every slot an owner holds, including its numbered holders `{owner}#{n}` (graceful shutdown). */
  releaseOwner(owner: string): Promise<number>;
  countHeld(pool: string, now: number): Promise<number>;
  /** Live leases per pool, every pool listed (0 when none is held): the `/metrics` slot gauge. */
  countHeldByPool(now: number): Promise<Array<{ pool: string; held: number }>>;
}

/**
 * Concurrency slots as expiring leases in `limit_slots`, shared by every process on the database. A crashed
 * process's slots free themselves when their lease expires.
 */
export function createSlotRepository(db: Kysely<Database>, dialect: DialectName): SlotRepository {
  const prepared = new Set<string>();

  async function preparePool(pool: string, limit: number): Promise<void> {
    const id = `${pool}\u0000${limit}`;
    if (prepared.has(id)) return;
    const rows = Array.from({ length: limit }, (_, slot) => ({ pool, slot, owner: null, expires_at: 0 }));
    await db
      .insertInto('limit_slots')
      .values(rows)
      .onConflict((oc) => oc.columns(['pool', 'slot']).doNothing())
      .execute();
    prepared.add(id);
  }

  return {
    async acquireMany({ pool, limit, count, holderPrefix, ttlMs, now }) {
      await preparePool(pool, limit);
      // The free slots are chosen once, in a materialized CTE: as an `in (subquery … limit n)` PostgreSQL may run
      // the subquery again per row and take more than `count`. Locked rows are skipped (a concurrent taker has
      // them); the row itself is checked again, so a slot another taker got first is not taken twice.
      const lock = dialect === 'postgres' ? sql`for update skip locked` : sql``;
      const { rows } = await sql<{ slot: number; owner: string }>`
        with free as materialized (
          select slot from limit_slots
          where pool = ${pool} and slot < ${limit} and (owner is null or expires_at < ${now})
          order by slot limit ${count} ${lock}
        )
        update limit_slots set owner = ${holderPrefix} || cast(slot as text), expires_at = ${now + ttlMs}
        where pool = ${pool} and slot in (select slot from free) and (owner is null or expires_at < ${now})
        returning slot, owner`.execute(db);
      return rows.map((r) => ({ slot: Number(r.slot), holder: r.owner }));
    },

    async renewOwner(owner, expiresAt) {
      const result = await db
        .updateTable('limit_slots')
        .set({ expires_at: expiresAt })
        .where((eb) => heldBy(eb, owner))
        .where('expires_at', '<', expiresAt)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    async releaseMany(pool, holders) {
      if (holders.length === 0) return;
      await db
        .updateTable('limit_slots')
        .set({ owner: null, expires_at: 0 })
        .where('pool', '=', pool)
        .where('owner', 'in', holders)
        .execute();
    },

    async releaseOwner(owner) {
      const result = await db
        .updateTable('limit_slots')
        .set({ owner: null, expires_at: 0 })
        .where((eb) => heldBy(eb, owner))
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    async countHeld(pool, now) {
      const row = await db
        .selectFrom('limit_slots')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('pool', '=', pool)
        .where('owner', 'is not', null)
        .where('expires_at', '>=', now)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async countHeldByPool(now) {
      const rows = await db
        .selectFrom('limit_slots')
        .select((eb) => [
          'pool',
          eb.fn
            .sum<number>(
              eb
                .case()
                .when(eb.and([eb('owner', 'is not', null), eb('expires_at', '>=', now)]))
                .then(1)
                .else(0)
                .end(),
            )
            .as('held'),
        ])
        .groupBy('pool')
        .orderBy('pool')
        .execute();
      return rows.map((row) => ({ pool: row.pool, held: Number(row.held) }));
    },
  };
}

/** Rows held by `owner` itself or by one of its numbered takes `{owner}#{n}` (not by `{owner}x…`). */
function heldBy(eb: ExpressionBuilder<Database, 'limit_slots'>, owner: string) {
  return eb.or([
    eb('owner', '=', owner),
    eb(eb.fn('substr', ['owner', eb.val(1), eb.val(owner.length + 1)]), '=', `${owner}#`),
  ]);
}
