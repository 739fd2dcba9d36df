import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { test } from 'node:test';
import SQLite from 'better-sqlite3';
import { Migrator, sql, type Migration } from 'kysely';
import pg from 'pg';
import {
  createTestDatabase,
  createTestStore,
  testDialects,
  type TestDatabase,
} from '../testing/databases.ts';
import { cliPath, runCli } from '../testing/run-cli.ts';
import { waitFor } from '../testing/wait-for.ts';
import { openStore, type Store } from './database.ts';
import { migrations } from './migrations/index.ts';

/**
 * Case 25 (docs/reliability-cases.md), "killed during migration": `chartbridge migrate` upgrading a database is SIGKILLed while
 * its migration transaction is open. The database must be left exactly as before (no half-applied migration,
 * none recorded), and the next `chartbridge migrate` must finish the upgrade to the same schema a fresh
 * database gets.
 */

/** The database as an older chartbridge left it: only the first migration applied. */
const APPLIED_BEFORE = 1;

async function migrateFirst(store: Store, count: number): Promise<void> {
  const provider = {
    getMigrations: async () =>
      Object.fromEntries(
        migrations
          .slice(0, count)
          .map((step): [string, Migration] => [step.name, { up: (db) => step.up(db, store.dialect) }]),
      ),
  };
  const migrator = new Migrator({
    db: store.db,
    provider,
    migrationTableName: 'chartbridge_migrations',
    migrationLockTableName: 'chartbridge_migrations_lock',
  });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error;
}

/** Every table, column, index and the applied migrations: equal snapshots mean equal schemas. */
async function schemaOf(url: string): Promise<string[]> {
  const store = openStore(url);
  try {
    const applied = await sql<{ name: string }>`select name from chartbridge_migrations order by name`
      .execute(store.db)
      .then((r) => r.rows.map((row) => `migration ${row.name}`));
    const objects =
      store.dialect === 'sqlite'
        ? await sql<{ entry: string }>`select type || ' ' || name || ': ' || coalesce(sql, '') as entry
            from sqlite_master where name not like 'sqlite_%' order by type, name`.execute(store.db)
        : await sql<{ entry: string }>`
            select 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable
              || ' ' || coalesce(column_default, '') as entry
            from information_schema.columns where table_schema = 'public'
            union all
            select 'index ' || indexname || ': ' || indexdef from pg_indexes where schemaname = 'public'
            order by 1`.execute(store.db);
    return [...applied, ...objects.rows.map((row) => row.entry)];
  } finally {
    await store.close();
  }
}

function spawnMigrate(url: string): { child: ChildProcess; exited: Promise<number | string> } {
  const child = spawn(process.execPath, [cliPath, 'migrate'], {
    env: { ...process.env, CHARTBRIDGE_LOG_LEVEL: 'silent', CHARTBRIDGE_DATABASE_URL: url },
    stdio: 'ignore',
  });
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  return { child, exited };
}

/**
 * PostgreSQL: the whole upgrade is one transaction. Another client holds the migrations table, so the first
 * pending migration runs and then waits to record itself: killed there, with a migration applied inside the
 * open transaction. Returns once the killed run's backend is gone.
 */
async function killMidMigrationPostgres(database: TestDatabase): Promise<void> {
  const locker = new pg.Client({ connectionString: database.url });
  await locker.connect();
  try {
    await locker.query('begin');
    await locker.query('lock table chartbridge_migrations in exclusive mode');
    const run = spawnMigrate(database.url);
    await waitFor(
      async () => {
        await locker.query('select pg_stat_clear_snapshot()');
        const { rows } = await locker.query(
          `select 1 from pg_locks l join pg_stat_activity a on a.pid = l.pid
           where not l.granted and l.relation = 'chartbridge_migrations'::regclass
             and a.backend_xid is not null`,
        );
        return rows.length === 1;
      },
      { timeoutMs: 20_000, what: 'the migration to wait, mid-transaction, for the migrations table' },
    );
    run.child.kill('SIGKILL');
    assert.equal(await run.exited, 'SIGKILL');
    await locker.query('rollback');
    // The orphaned backend finds its client gone and aborts its transaction.
    await waitFor(
      async () => {
        const { rows } = await locker.query(
          `select count(*)::int as n from pg_stat_activity where datname = current_database()
           and pid <> pg_backend_pid()`,
        );
        return rows[0].n === 0;
      },
      { timeoutMs: 20_000, what: "the killed run's backend to end" },
    );
  } finally {
    await locker.end();
  }
}

/**
 * SQLite: the whole upgrade is one IMMEDIATE transaction, so the write lock is held exactly while it is open.
 * A probe that finds the lock taken stops the process at once and probes again: still taken means the process
 * was frozen inside its transaction, and it is killed there. Returns false when the run finished first.
 */
async function killMidMigrationSqlite(database: TestDatabase): Promise<boolean> {
  const probe = new SQLite(database.url.slice('sqlite:'.length), { timeout: 0 });
  const writeLockTaken = () => {
    try {
      probe.exec('begin immediate');
      probe.exec('rollback');
      return false;
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY') throw error;
      return true;
    }
  };
  try {
    const run = spawnMigrate(database.url);
    let finished = false;
    void run.exited.then(() => (finished = true));
    while (!finished && !writeLockTaken()) await new Promise((resolve) => setImmediate(resolve));
    if (finished) return false;
    run.child.kill('SIGSTOP');
    const frozenInside = writeLockTaken();
    run.child.kill('SIGKILL');
    assert.equal(await run.exited, 'SIGKILL');
    return frozenInside;
  } finally {
    probe.close();
  }
}

for (const dialect of testDialects) {
  test(`chartbridge migrate SIGKILLed mid-transaction leaves the schema as it was; the next run completes it (case 25, ${dialect})`, async () => {
    const fresh = await createTestStore(dialect);
    const expected = await schemaOf(fresh.url).finally(() => fresh.cleanup());
    // SQLite's transaction lasts milliseconds: a run that finished before the probe caught it is tried again.
    for (let attempt = 1; ; attempt += 1) {
      const database = await createTestDatabase(dialect);
      try {
        const store = openStore(database.url);
        await migrateFirst(store, APPLIED_BEFORE).finally(() => store.close());
        const before = await schemaOf(database.url);
        if (dialect === 'postgres') await killMidMigrationPostgres(database);
        else if (!(await killMidMigrationSqlite(database))) {
          assert.ok(attempt < 10, 'no run of migrate was caught inside its transaction in 10 tries');
          continue;
        }
        assert.deepEqual(await schemaOf(database.url), before, 'the killed upgrade left nothing behind');
        if (dialect === 'sqlite') {
          const check = new SQLite(database.url.slice('sqlite:'.length));
          assert.equal(check.pragma('integrity_check', { simple: true }), 'ok');
          check.close();
        }
        const rerun = await runCli(['migrate'], { env: { CHARTBRIDGE_DATABASE_URL: database.url } });
        const pending = migrations.slice(APPLIED_BEFORE).map((m) => m.name);
        assert.deepEqual(
          [rerun.code, rerun.stdout.trim(), rerun.stderr],
          [0, `applied ${pending.length} migration(s): ${pending.join(', ')}`, ''],
        );
        assert.deepEqual(await schemaOf(database.url), expected);
        return;
      } finally {
        await database.drop();
      }
    }
  });
}
