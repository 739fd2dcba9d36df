/** bench:scale's measurements: CPU from /proc, and on PostgreSQL the WAL, transactions and rows of the run. */
import { sql } from 'kysely';
import type { WorkerProcess } from '../../src/testing/jobs/worker-processes.ts';
import type { ConnectedApp } from '../../src/testing/connected-app.ts';
import { cpuMsByCommand, processCpuMs } from './process-cpu.ts';

/** CPU so far of the worker processes, and on PostgreSQL of the backends serving this run's database. */
export async function sampleCpu(app: ConnectedApp, workers: WorkerProcess[]) {
  const workerMs = workers.reduce((sum, w) => sum + (processCpuMs(w.child.pid!) ?? 0), 0);
  const backends = new Map<number, number>();
  let walLsn: string | null = null;
  let transactions = 0;
  if (app.services.store.dialect === 'postgres') {
    const db = app.services.store.db;
    const { rows } = await sql<{ pid: number }>`
      select pid from pg_stat_activity where datname = current_database()`.execute(db);
    for (const { pid } of rows) {
      const ms = processCpuMs(pid);
      if (ms !== null) backends.set(pid, ms);
    }
    walLsn = (await sql<{ lsn: string }>`select pg_current_wal_lsn()::text as lsn`.execute(db)).rows[0]!.lsn;
    const xacts = await sql<{ n: string }>`
      select xact_commit::text as n from pg_stat_database where datname = current_database()`.execute(db);
    transactions = Number(xacts.rows[0]!.n);
  }
  return { workerMs, backends, allPostgres: cpuMsByCommand('postgres'), walLsn, transactions };
}

/** On PostgreSQL: WAL bytes between two positions, and what the database holds per connection now. */
export async function pgStorage(
  app: ConnectedApp,
  before: { walLsn: string | null; transactions: number },
  after: { walLsn: string | null; transactions: number },
  connections: number,
) {
  const [fromLsn, toLsn] = [before.walLsn!, after.walLsn!];
  const db = app.services.store.db;
  const wal = await sql<{
    bytes: string;
  }>`select pg_wal_lsn_diff(${toLsn}, ${fromLsn})::text as bytes`.execute(db);
  const size = await sql<{
    bytes: string;
  }>`select pg_database_size(current_database())::text as bytes`.execute(db);
  const tables = await sql<{ name: string; rows: string; bytes: string }>`
    select relname as name, n_live_tup::text as rows, pg_total_relation_size(relid)::text as bytes
    from pg_stat_user_tables order by pg_total_relation_size(relid) desc limit 6`.execute(db);
  // Where the statements went: scans and row changes per table, and transactions, per connection.
  const work = await sql<{ name: string; scans: string; changes: string }>`
    select relname as name, (coalesce(seq_scan, 0) + coalesce(idx_scan, 0))::text as scans,
      (n_tup_ins + n_tup_upd + n_tup_del)::text as changes
    from pg_stat_user_tables order by coalesce(seq_scan, 0) + coalesce(idx_scan, 0) desc limit 8`.execute(db);
  return {
    walBytesPerConn: Math.round(Number(wal.rows[0]!.bytes) / connections),
    transactionsPerConn: Math.round((after.transactions - before.transactions) / connections),
    busiestTables: work.rows.map((t) => ({
      name: t.name,
      scansPerConn: Number((Number(t.scans) / connections).toFixed(1)),
      rowChangesPerConn: Number((Number(t.changes) / connections).toFixed(1)),
    })),
    dbBytesPerConn: Math.round(Number(size.rows[0]!.bytes) / connections),
    largestTables: tables.rows.map((t) => ({
      name: t.name,
      rowsPerConn: Number((Number(t.rows) / connections).toFixed(1)),
      bytesPerConn: Math.round(Number(t.bytes) / connections),
    })),
  };
}
