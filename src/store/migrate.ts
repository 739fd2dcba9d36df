import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { ChartbridgeError } from '../errors.ts';
import type { Store, DialectName } from './database.ts';
import { migrations } from './migrations/index.ts';

export interface MigrationStep {
  name: string;
  up(db: Kysely<unknown>, dialect: DialectName): Promise<void>;
}

/** Applies every pending migration. Safe when several processes start at once: Kysely takes a lock table/row. */
export async function migrateToLatest(store: Store): Promise<string[]> {
  const provider: MigrationProvider = {
    getMigrations: async () =>
      Object.fromEntries(
        migrations.map((step): [string, Migration] => [
          step.name,
          { up: (db) => step.up(db, store.dialect) },
        ]),
      ),
  };
  if (store.dialect === 'postgres') {
    // Two processes creating the migration tables at the same instant race on CREATE TABLE; an advisory lock
    // serialises the whole run so exactly one applies each migration.
    return store.db.connection().execute(async (conn) => {
      await sql`select pg_advisory_lock(7261001)`.execute(conn);
      try {
        return await runMigrator(conn, provider);
      } finally {
        await sql`select pg_advisory_unlock(7261001)`.execute(conn);
      }
    });
  }
  // SQLite: an IMMEDIATE transaction takes the write lock up front, so a second process waits (busy_timeout)
  // and then sees the migrations already applied. A full migration on a slow machine can outlast the normal
  // 5 s busy timeout, so the wait for this one lock is longer.
  return store.db.connection().execute(async (conn) => {
    await sql`pragma busy_timeout = ${sql.raw(String(MIGRATION_LOCK_WAIT_MS))}`.execute(conn);
    try {
      await sql`begin immediate`.execute(conn);
      try {
        const applied = await runMigrator(conn, provider, { disableTransactions: true });
        await sql`commit`.execute(conn);
        return applied;
      } catch (error) {
        await sql`rollback`.execute(conn);
        throw error;
      }
    } finally {
      await sql`pragma busy_timeout = 5000`.execute(conn);
    }
  });
}

const MIGRATION_LOCK_WAIT_MS = 120_000;

async function runMigrator(
  // Migrations describe the schema before the typed Database exists, so the migrator is untyped by design.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  db: Kysely<any>,
  provider: MigrationProvider,
  options: { disableTransactions?: boolean } = {},
): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: 'chartbridge_migrations',
    migrationLockTableName: 'chartbridge_migrations_lock',
    ...options,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new ChartbridgeError(
      'ERR_CONFIG_INVALID',
      `migration '${failed}' failed: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
