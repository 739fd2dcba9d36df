import assert from 'node:assert/strict';
import { after, before, describe, it, mock } from 'node:test';
import { sql } from 'kysely';
import { startConnectedApp, type ConnectedApp } from '../../testing/connected-app.ts';
import { testDialects } from '../../testing/databases.ts';
import { listPhiEvents, setUpSyncedPatient } from '../../testing/audit/phi-fixture.ts';

/** Hides a table for the length of `run`, so the next query on it fails as a lost table would. */
async function withoutTable<T>(app: ConnectedApp, table: string, run: () => Promise<T>): Promise<T> {
  const db = app.services.store.db;
  await sql`alter table ${sql.table(table)} rename to ${sql.table(`${table}_hidden`)}`.execute(db);
  try {
    return await run();
  } finally {
    await sql`alter table ${sql.table(`${table}_hidden`)} rename to ${sql.table(table)}`.execute(db);
  }
}

for (const dialect of testDialects) {
  describe(`an export's audit rows and failures (${dialect})`, () => {
    let app: ConnectedApp;
    let connectionId: string;
    let stored: Map<string, number>;

    before(async () => {
      app = await startConnectedApp({ dialect });
      ({ connectionId, stored } = await setUpSyncedPatient(app));
    });
    after(async () => {
      await app?.assertNoSecretsLeaked();
      await app?.close();
    });

    it('is refused, before any byte, when its audit row cannot be written', async () => {
      const response = await withoutTable(app, 'audit_events', () =>
        app.api(`/api/connections/${connectionId}/export`),
      );
      assert.equal(response.status, 500);
      assert.equal(response.headers.get('content-disposition'), null);
      assert.deepEqual(await response.json(), {
        error: {
          code: 'ERR_INTERNAL',
          message: 'internal error; the operator can find details in the server log',
        },
      });
      assert.deepEqual(await listPhiEvents(app, connectionId), []);
    });

    it('a failure mid-stream is logged through the app logger with the request id, never by console.error', async () => {
      const consoleError = mock.method(console, 'error', () => undefined);
      const requestId = 'export-failure-0001';
      const logsBefore = app.logs.length;
      try {
        const body = await withoutTable(app, 'binaries', async () => {
          const response = await app.api(`/api/connections/${connectionId}/export`, {
            headers: { 'X-Request-Id': requestId },
          });
          assert.equal(response.status, 200);
          return response.text();
        });
        // The resources went out; the attachments, read after them, did not.
        const total = [...stored.values()].reduce((sum, n) => sum + n, 0);
        assert.equal(body.trim().split('\n').length, total);
        assert.equal(consoleError.mock.callCount(), 0);
        const failures = app.logs
          .slice(logsBefore)
          .map((line) => JSON.parse(line) as Record<string, unknown>)
          .filter((line) => line.msg === 'export stream failed');
        assert.equal(failures.length, 1);
        const { time: _time, errorName, errorCode, ...rest } = failures[0]!;
        assert.deepEqual(rest, {
          level: 50,
          requestId,
          route: '/api/connections/:id/export',
          msg: 'export stream failed',
        });
        assert.equal(typeof errorName, 'string');
        assert.equal(typeof errorCode, 'string');
        assert.ok(!JSON.stringify(failures[0]).includes('binaries'), 'no driver message in the line');
        const events = await listPhiEvents(app, connectionId);
        assert.deepEqual(
          events.map((e) => [e.action, e.detail.count, e.detail.complete]),
          [
            ['phi.export', undefined, undefined],
            ['phi.export_end', total, false],
          ],
        );
      } finally {
        consoleError.mock.restore();
      }
    });
  });
}
