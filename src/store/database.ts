import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { createRequire } from 'node:module';
import type pg from 'pg';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import { ensureFolder } from '../config/folder-paths.ts';
import { ChartbridgeError } from '../errors.ts';
import type { Database } from './schema.ts';
import { startWalCheckpointer } from './sqlite-checkpointer.ts';

export type DialectName = 'sqlite' | 'postgres';

export interface Store {
  db: Kysely<Database>;
  dialect: DialectName;
  /** The raw better-sqlite3 handle (SQLite only), for hot paths that prepare their statements once. */
  sqlite?: SQLite.Database;
  /** PostgreSQL only: the connection pool right now (`waiting`: queries queued for a free connection). */
  poolStats?(): { total: number; idle: number; waiting: number };
  close(): Promise<void>;
}

/** Opens the database named by a `sqlite:<path>` or `postgres://…` URL. */
export function openStore(
  url: string,
  options: {
    poolSize?: number;
    /** SQLite: the background WAL checkpoint thread (default on); a one-shot read command skips its start-up. */
    checkpointThread?: boolean;
  } = {},
): Store {
  if (url.startsWith('sqlite:'))
    return openSqlite(url.slice('sqlite:'.length), options.checkpointThread ?? true);
  if (/^postgres(ql)?:\/\//.test(url)) return openPostgres(url, options.poolSize ?? 10);
  throw new ChartbridgeError(
    'ERR_DATABASE_URL_INVALID',
    "invalid CHARTBRIDGE_DATABASE_URL: must start with 'sqlite:' or 'postgres://'",
  );
}

function openSqlite(path: string, checkpointThread: boolean): Store {
  if (path !== ':memory:') {
    ensureFolder(dirname(path), 'CHARTBRIDGE_DATABASE_URL', 'ERR_DATABASE_URL_INVALID');
    createOwnerOnlyFiles(path);
  }
  const sqlite = openSqliteFile(path);
  // WAL lets readers run beside the one writer; busy_timeout makes a second process wait for the write lock
  // instead of failing at once.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('synchronous = NORMAL');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  if (path === ':memory:' || !checkpointThread)
    return { db, dialect: 'sqlite', sqlite, close: () => db.destroy() };
  // The log is copied back by a background thread; the writer does it only if the thread falls far behind.
  sqlite.pragma('wal_autocheckpoint = 4000');
  const checkpointer = startWalCheckpointer(path);
  const close = async () => {
    await checkpointer.stop();
    await db.destroy();
  };
  return { db, dialect: 'sqlite', sqlite, close };
}

/**
 * The database holds patient records and sealed tokens: the file exists, owner-only (0600), before SQLite opens
 * it, and an older file left 0644 is tightened. SQLite gives the `-wal` and `-shm` files it creates the database
 * file's mode, so they are 0600 too.
 */
function createOwnerOnlyFiles(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  try {
    closeSync(openSync(path, 'wx', 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  // `-wal` and `-shm` left by an older version (before the database file was 0600) are tightened as well.
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    if (existsSync(file)) chmodSync(file, 0o600);
  }
}

function openSqliteFile(path: string): SQLite.Database {
  try {
    return new SQLite(path);
  } catch (error) {
    const reason = (error as { code?: string }).code ?? 'error';
    throw new ChartbridgeError(
      'ERR_DATABASE_URL_INVALID',
      `CHARTBRIDGE_DATABASE_URL: cannot open sqlite database '${path}' (${reason}); give a file path in a writable folder`,
    );
  }
}

function openPostgres(url: string, poolSize: number): Store {
  const pool = new (loadPg().Pool)({ connectionString: url, max: poolSize });
  // An idle connection the server drops (restart, failover, pg_terminate_backend) is reported here; without a
  // listener Node would crash the process. The pool discards it and the next query opens a fresh one (case 24).
  pool.on('error', () => undefined);
  // A connection the server drops while it is checked out (mid-transaction: a page commit, case 24) fails its
  // query, and the pool discards it on release; but pg also emits 'error' on that client, and pg-pool listens
  // only while a client is idle, so without this listener the process would crash on an uncaught error.
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    dialect: 'postgres',
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    close: () => db.destroy(),
  };
}

/** pg (CommonJS) is required on first use, so that SQLite commands never load it. */
function loadPg(): typeof pg {
  const driver = createRequire(import.meta.url)('pg') as typeof pg;
  // PostgreSQL returns BIGINT as a string to avoid precision loss; our BIGINTs are epoch milliseconds and
  // counters, far below 2^53, so numbers are the honest type on both databases.
  driver.types.setTypeParser(driver.types.builtins.INT8, (value) => Number(value));
  return driver;
}

/** One cheap query: the database answers and is migrated (`/readyz`). */
export async function pingDatabase(db: Kysely<Database>): Promise<void> {
  await db.selectFrom('users').select('id').limit(1).execute();
}
