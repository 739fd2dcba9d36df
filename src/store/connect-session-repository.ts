import type { Kysely, Selectable } from 'kysely';
import type { ConnectSessionTable, Database } from './schema.ts';

export type ConnectSessionRow = Selectable<ConnectSessionTable>;

export interface ConnectSessionRepository {
  insert(row: ConnectSessionRow): Promise<void>;
  findByTokenHash(tokenHash: string): Promise<ConnectSessionRow | undefined>;
  /** Marks the session used if it is still unused and unexpired; false when another request won the race. */
  consume(id: string, now: number): Promise<boolean>;
}

export function createConnectSessionRepository(db: Kysely<Database>): ConnectSessionRepository {
  return {
    async insert(row) {
      await db.insertInto('connect_sessions').values(row).execute();
    },
    findByTokenHash(tokenHash) {
      return db
        .selectFrom('connect_sessions')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .executeTakeFirst();
    },
    async consume(id, now) {
      const result = await db
        .updateTable('connect_sessions')
        .set({ used_at: now })
        .where('id', '=', id)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}
