import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { cliPath } from '../testing/run-cli.ts';
import { startConnectedApp } from '../testing/connected-app.ts';
import { testDialects } from '../testing/databases.ts';
import { waitFor } from '../testing/wait-for.ts';
import { runSync } from './run-sync.ts';
import { assertRecordMatchesSandbox } from '../testing/sync/compare-with-sandbox.ts';

for (const dialect of testDialects) {
  describe(`kill and resume on ${dialect} (cases 25, 46)`, () => {
    it('SIGKILL mid-sync leaves a resumable run; the next run resumes it and the data equals a clean run', async () => {
      const app = await startConnectedApp({ dialect });
      try {
        const orgId = 'org-b';
        const patient = app.sandbox.data
          .organization(orgId)!
          .patients.find((p) => p.username === 'vitofeeney')!;
        const connectionId = await app.connectPatient('resume-user', { orgId, username: patient.username });
        app.sandbox.faults.add({ org: orgId, route: '/api/FHIR/R4/', kind: 'latency', ms: 150 });
        const child = spawn(process.execPath, [cliPath, 'connections', 'sync', connectionId], {
          env: { ...process.env, ...app.cliEnv, CHARTBRIDGE_LOG_LEVEL: 'silent' },
          stdio: 'ignore',
        });
        const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
        const db = app.services.store.db;
        const run = await waitFor(
          async () => {
            const states = await db.selectFrom('sync_query_states').select(['run_id', 'pages']).execute();
            const pages = states.reduce((n, s) => n + Number(s.pages), 0);
            return pages >= 8 ? states[0]!.run_id : undefined;
          },
          { timeoutMs: 60_000, what: 'eight committed pages in the child' },
        );
        child.kill('SIGKILL');
        await exited;
        const killed = await db
          .selectFrom('sync_runs')
          .selectAll()
          .where('id', '=', run)
          .executeTakeFirstOrThrow();
        assert.equal(killed.status, 'running');
        const committed = await db
          .selectFrom('sync_query_states')
          .select(['query_key', 'status', 'pages'])
          .where('run_id', '=', run)
          .execute();
        assert.ok(committed.some((s) => s.status === 'done'));

        app.sandbox.faults.clear();
        const before = app.sandbox.requestLog.entries().length;
        const summary = await runSync({ services: app.services, connectionId });
        assert.equal(summary.status, 'succeeded');
        assert.equal(summary.resumed, true);
        assert.equal(summary.runId, run);
        const doneBefore = committed.filter((s) => s.status === 'done').map((s) => s.query_key);
        const refetched = app.sandbox.requestLog
          .entries()
          .slice(before)
          .filter((e) =>
            doneBefore.some(
              (key) =>
                key !== 'Patient' &&
                e.url.includes(`/${key.split(':')[0]}?`) &&
                (!key.includes(':') || e.url.includes(`category=${key.split(':')[1]}`)),
            ),
          );
        assert.deepEqual(
          refetched.map((e) => e.url),
          [],
          'finished queries are not fetched again',
        );
        await assertRecordMatchesSandbox(app.services.store, app.sandbox, connectionId, orgId, patient.id);
      } finally {
        await app.close();
      }
    });
  });
}
