import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openStore, type Store, type DialectName } from '../store/database.ts';
import { migrateToLatest } from '../store/migrate.ts';

/** PostgreSQL server URL for tests, or undefined when none is available (scripts/test.sh decides). */
export const pgTestUrl = process.env.CHARTBRIDGE_TEST_PG_URL || undefined;

/** The databases a storage test runs on: always SQLite, PostgreSQL when a server is available. */
export const testDialects: DialectName[] = pgTestUrl ? ['sqlite', 'postgres'] : ['sqlite'];

export interface TestDatabase {
  url: string;
  /** Removes the database (the temp SQLite folder, or the throw-away PostgreSQL database). */
  drop(): Promise<void>;
}

/** A fresh, empty database of the given kind; each call gets its own file or PostgreSQL database. */
export async function createTestDatabase(dialect: DialectName): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'chartbridge-test-'));
    return {
      url: `sqlite:${join(dir, 'test.db')}`,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  if (!pgTestUrl) throw new TypeError('PostgreSQL tests need CHARTBRIDGE_TEST_PG_URL');
  const name = `chartbridge_test_${randomBytes(6).toString('hex')}`;
  await withAdminClient((client) => client.query(`create database ${name}`));
  const url = new URL(pgTestUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () =>
      withAdminClient((client) => client.query(`drop database if exists ${name} with (force)`)).then(
        () => undefined,
      ),
  };
}

/** A migrated store on a fresh database; `cleanup` closes it and drops the database. */
export async function createTestStore(
  dialect: DialectName,
): Promise<{ store: Store; url: string; cleanup(): Promise<void> }> {
  const database = await createTestDatabase(dialect);
  const store = openStore(database.url);
  await migrateToLatest(store);
  return {
    store,
    url: database.url,
    cleanup: async () => {
      await store.close();
      await database.drop();
    },
  };
}

async function withAdminClient<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: pgTestUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
