import type { ExpressionBuilder, Kysely } from 'kysely';
import type { DialectName } from './database.ts';
import type { Database } from './schema.ts';

export interface SlotRepository {
  /** Takes a free slot of `pool` (slots 0..limit-1), or returns null when all are held by live leases. */
  acquire(input: {
    pool: string;
    limit: number;
    owner: string;
    ttlMs: number;
    now: number;
  }): Promise<number | null>;
  /**
   * Extends to `expiresAt` every lease an owner holds, its numbered holders `{owner}#{n}` included, and never
   * shortens one: a renewal that was slow on its way must not cut short a lease taken after it was computed.
   */
  renewOwner(owner: string, expiresAt: number): Promise<number>;
  release(pool: string, slot: number, owner: string): Promise<void>;
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
    async acquire({ pool, limit, owner, ttlMs, now }) {
      await preparePool(pool, limit);
      const result = await db
        .updateTable('limit_slots')
        .set({ owner, expires_at: now + ttlMs })
        .where('pool', '=', pool)
        .where('slot', '=', (eb) => {
          let free = eb
            .selectFrom('limit_slots')
            .select('slot')
            .where('pool', '=', pool)
            .where('slot', '<', limit)
            .where((w) => w.or([w('owner', 'is', null), w('expires_at', '<', now)]))
            .orderBy('slot')
            .limit(1);
          if (dialect === 'postgres') free = free.forUpdate().skipLocked();
          return free;
        })
        // Re-checked on the row itself: a concurrent taker that got there first makes this update miss.
        .where((w) => w.or([w('owner', 'is', null), w('expires_at', '<', now)]))
        .returning('slot')
        .executeTakeFirst();
      return result ? result.slot : null;
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

    async release(pool, slot, owner) {
      await db
        .updateTable('limit_slots')
        .set({ owner: null, expires_at: 0 })
        .where('pool', '=', pool)
        .where('slot', '=', slot)
        .where('owner', '=', owner)
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
