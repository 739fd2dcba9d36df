import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

export interface UserRepository {
  /** Creates the user on first sight; the app's user ids are opaque to chartbridge. */
  ensureUser(id: string, now: number): Promise<void>;
  exists(id: string): Promise<boolean>;
}

export function createUserRepository(db: Kysely<Database>): UserRepository {
  return {
    async ensureUser(id, now) {
      await db
        .insertInto('users')
        .values({ id, created_at: now })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
    },
    async exists(id) {
      const row = await db.selectFrom('users').select('id').where('id', '=', id).executeTakeFirst();
      return row !== undefined;
    },
  };
}
