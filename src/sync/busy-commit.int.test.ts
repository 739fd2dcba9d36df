import assert from 'node:assert/strict';
import { test } from 'node:test';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import type { DialectName } from '../store/database.ts';
import { noJobs, startConnectedApp, type ConnectedApp } from '../testing/connected-app.ts';
import { testDialects } from '../testing/databases.ts';
import { waitFor } from '../testing/wait-for.ts';
import { runSync } from './run-sync.ts';
import { assertRecordMatchesSandbox } from '../testing/sync/compare-with-sandbox.ts';

/**
 * Case 24 (docs/reliability-cases.md) with a real database: while one page of a real sync is on its way to the
 * database, another client makes the database refuse it. On SQLite a second connection holds the write lock
 * (BEGIN IMMEDIATE), so the commit ends in SQLITE_BUSY; on PostgreSQL another client holds an uncommitted row with
 * the key of one of the page's resources, the commit blocks half way (rows before it written) and the server
 * cancels it, as a busy server does (statement or lock timeout). The page must roll back whole, be retried, and
 * the run end with the exact record and the grant intact. (A dropped connection, the server going down, is
 * proven by the worker tests: src/jobs/worker-processes.int.test.ts.)
 */
const orgId = 'org-b';
const username = 'vitofeeney';

/** Another client of the same database that can make it refuse the app's next page commit. */
interface Obstruction {
  /**
   * Starts refusing the commit of `page` (its `Type/id` keys); for PostgreSQL also cancels the
   * commit once it is stuck half way.
   */
  begin(connectionId: string, page: string[]): Promise<void>;
  /** Resolves once the commit really failed inside the database (PostgreSQL: its statement was cancelled). */
  struck(): Promise<void>;
  end(): Promise<void>;
  close(): Promise<void>;
}

function sqliteObstruction(app: ConnectedApp): Obstruction {
  const blocker = new SQLite(app.cliEnv.CHARTBRIDGE_DATABASE_URL!.slice('sqlite:'.length));
  return {
    begin: async () => void blocker.exec('begin immediate'),
    // The app's commit gives up after its busy_timeout: the failure is the SQLITE_BUSY it gets back.
    struck: async () => undefined,
    end: async () => void blocker.exec('rollback'),
    close: async () => void blocker.close(),
  };
}

function postgresObstruction(app: ConnectedApp): Obstruction {
  const locker = new pg.Client({ connectionString: app.cliEnv.CHARTBRIDGE_DATABASE_URL });
  const connected = locker.connect();
  let killed: Promise<void> | undefined;
  return {
    async begin(connectionId, page) {
      await connected;
      await locker.query('begin');
      // An uncommitted row with the key of the page's last resource: the commit (one statement on PostgreSQL,
      // postgres-page-writer.ts) writes the rows before it, then waits on this one — stuck half way, with rows a
      // rollback must undo. A table lock would stop it before it wrote anything.
      const [type, resourceId] = page.at(-1)!.split('/');
      await locker.query(
        `insert into resources (connection_id, resource_type, resource_id, json, hash, fetched_at)
         values ($1, $2, $3, '{}', 'x', 0)`,
        [connectionId, type, resourceId],
      );
      killed = (async () => {
        // The commit's backend, waiting for the locker's transaction to decide that row.
        const waiter = await waitFor(
          async () => {
            // Activity is read once per transaction unless cleared, and the locker is inside one.
            await locker.query('select pg_stat_clear_snapshot()');
            const { rows } = await locker.query<{ pid: number; xid: string | null }>(
              `select pid, backend_xid::text as xid from pg_stat_activity
               where wait_event_type = 'Lock' and datname = current_database() and pid <> pg_backend_pid()`,
            );
            return rows[0];
          },
          { timeoutMs: 15_000, what: 'the page commit to wait for the checkpoint table' },
        );
        assert.ok(waiter.xid, 'the stuck commit has written rows (it holds a transaction id)');
        await locker.query('select pg_cancel_backend($1)', [waiter.pid]);
      })();
    },
    struck: () => killed!,
    end: async () => void (await locker.query('rollback')),
    close: () => locker.end(),
  };
}

const obstructions: Record<DialectName, (app: ConnectedApp) => Obstruction> = {
  sqlite: sqliteObstruction,
  postgres: postgresObstruction,
};

for (const dialect of testDialects) {
  test(`a page commit refused by a busy database rolls back, is retried, and the record is exact (case 24, ${dialect})`, async () => {
    const app = await startConnectedApp({ dialect, jobs: noJobs });
    // The real 5 s busy_timeout only makes the test slower: past it, SQLite answers SQLITE_BUSY just the same.
    app.services.store.sqlite?.pragma('busy_timeout = 500');
    const obstruction = obstructions[dialect](app);
    try {
      const patientId = app.sandbox.data
        .organization(orgId)!
        .patients.find((p) => p.username === username)!.id;
      const id = await app.connectPatient('busy-commit', { orgId, username });
      const before = (await app.services.repos.connections.findById(id))!;

      // The obstruction starts when the second search page with entries reaches us (one request at a time, so
      // that page's commit is the next write).
      let pagesWithEntries = 0;
      let page: string[] | undefined;
      const fetchWithObstruction = (async (input: string | URL | Request, init?: RequestInit) => {
        const response = await app.services.fetch(input, init);
        if (page || !(response.headers.get('content-type') ?? '').includes('json')) return response;
        const bundle = (await response.clone().json()) as {
          resourceType?: string;
          entry?: Array<{ resource?: { resourceType: string; id: string } }>;
        };
        const entries = (bundle.resourceType === 'Bundle' ? (bundle.entry ?? []) : []).filter(
          (e) => e.resource?.id && e.resource.resourceType !== 'OperationOutcome',
        );
        if (entries.length < 2 || (pagesWithEntries += 1) < 2) return response;
        page = entries.map((e) => `${e.resource!.resourceType}/${e.resource!.id}`).sort();
        await obstruction.begin(id, page);
        return response;
      }) as typeof fetch;

      const storedOfPage = async () => {
        const rows = await app.services.store.db
          .selectFrom('resources')
          .select(['resource_type', 'resource_id'])
          .where('connection_id', '=', id)
          .execute();
        const stored = new Set(rows.map((r) => `${r.resource_type}/${r.resource_id}`));
        return page!.filter((key) => stored.has(key)).sort();
      };
      const retryLogs = () => app.logs.filter((line) => line.includes('page commit failed; retrying'));

      let released = false;
      const summary = await runSync({
        services: { ...app.services, fetch: fetchWithObstruction },
        connectionId: id,
        syncLimits: { pageSize: 10, queryConcurrency: 1, requestsInFlight: 1, dateWindows: false },
        // The commit's retry waits here: the page must be gone whole before the database is let go.
        sleep: async () => {
          if (released || !page) return;
          await obstruction.struck();
          assert.equal(retryLogs().length, 1, 'the refused commit was retried');
          assert.deepEqual(await storedOfPage(), [], 'none of the refused page is stored');
          released = true;
          await obstruction.end();
        },
      });

      assert.ok(page && page.length >= 2, 'a page with entries was refused');
      assert.ok(released, 'the commit failed and was retried');
      assert.equal(summary.status, 'succeeded');
      assert.equal(retryLogs().length, 1);
      assert.deepEqual(await storedOfPage(), page);
      await assertRecordMatchesSandbox(app.services.store, app.sandbox, id, orgId, patientId);
      // No token lost: the same grant, and the EHR still honours its refresh token.
      const after = (await app.services.repos.connections.findById(id))!;
      assert.equal(after.status, 'active');
      assert.equal(after.token_version, before.token_version);
      const refreshed = await app.services.vault.refreshNow(id);
      assert.equal(refreshed.tokenVersion, before.token_version + 1);
    } finally {
      await obstruction.close();
      await app.close();
    }
  });
}
