import type { Kysely, Selectable } from 'kysely';
import type { Database, LaunchTable } from './schema.ts';

export type LaunchRow = Selectable<LaunchTable>;

export interface LaunchRepository {
  insert(row: LaunchRow): Promise<void>;
  findByStateHash(stateHash: string): Promise<LaunchRow | undefined>;
  findById(id: string): Promise<LaunchRow | undefined>;
  /** Single use: true only for the one request that marks an unused, unexpired launch used. */
  consume(id: string, now: number): Promise<boolean>;
  finish(id: string, outcome: { connectionId?: string; errorCode?: string }): Promise<void>;
}

export function createLaunchRepository(db: Kysely<Database>): LaunchRepository {
  return {
    async insert(row) {
      await db.insertInto('launches').values(row).execute();
    },
    findByStateHash(stateHash) {
      return db.selectFrom('launches').selectAll().where('state_hash', '=', stateHash).executeTakeFirst();
    },
    findById(id) {
      return db.selectFrom('launches').selectAll().where('id', '=', id).executeTakeFirst();
    },
    async consume(id, now) {
      const result = await db
        .updateTable('launches')
        .set({ used_at: now })
        .where('id', '=', id)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async finish(id, outcome) {
      await db
        .updateTable('launches')
        .set({ connection_id: outcome.connectionId ?? null, outcome: outcome.errorCode ?? 'connected' })
        .where('id', '=', id)
        .execute();
    },
  };
}
