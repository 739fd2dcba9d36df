import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { testDialects } from '../testing/databases.ts';
import { startConnectedApp, type ConnectedApp } from '../testing/connected-app.ts';
import { buildSyncWebhookBody } from './webhook.ts';
import { runSync } from './run-sync.ts';

/** Issue 13: every entry is stored or counted as dropped; `succeeded` means nothing was lost. */
for (const dialect of testDialects) {
  describe(`no silent loss (${dialect})`, () => {
    let app: ConnectedApp;
    let users = 0;
    const orgId = 'org-b';
    const username = 'vitofeeney';
    let patientId: string;
    const fastSleep = async () => undefined;

    before(async () => {
      app = await startConnectedApp({ dialect });
      patientId = app.sandbox.data.organization(orgId)!.patients.find((p) => p.username === username)!.id;
    });
    afterEach(() => app.sandbox.faults.clear());
    after(async () => {
      await app.close();
    });

    const connect = () => app.connectPatient(`loss-user-${(users += 1)}`, { orgId, username });
    const countStored = async (connectionId: string, type: string) =>
      (
        await app.services.store.db
          .selectFrom('resources')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('connection_id', '=', connectionId)
          .where('resource_type', '=', type)
          .executeTakeFirstOrThrow()
      ).n;

    it('counts entries without a resource as dropped and ends the run partial, everywhere it reports', async () => {
      const goals = app.sandbox.data.patientResources(orgId, patientId, 'Goal').length;
      assert.ok(goals > 0, 'the fixture patient has goals');
      const id = await connect();
      app.sandbox.faults.add({ org: orgId, route: 'Goal', kind: 'no-resource' });
      const summary = await runSync({ services: app.services, connectionId: id, sleep: fastSleep });

      assert.equal(summary.status, 'partial');
      assert.equal(summary.reason, `${goals} dropped: ${goals} entry without a resource object`);
      assert.equal(summary.dropped, goals);
      assert.deepEqual(summary.dropReasons, [{ reason: 'entry without a resource object', count: goals }]);
      const goal = summary.queries.find((q) => q.key === 'Goal')!;
      assert.deepEqual([goal.status, goal.resources, goal.dropped], ['done', 0, goals]);

      const coverage = (await (await app.api(`/api/connections/${id}/coverage`)).json()) as {
        dropped: number;
        entries: Array<{ key: string; status: string; dropped: number; dropReasons: unknown }>;
      };
      const entry = coverage.entries.find((e) => e.key === 'Goal')!;
      assert.equal(entry.status, 'dropped');
      assert.equal(entry.dropped, goals);
      assert.deepEqual(entry.dropReasons, [{ reason: 'entry without a resource object', count: goals }]);
      assert.equal(coverage.dropped, goals);

      const runs = (await (await app.api(`/api/connections/${id}/sync-runs`)).json()) as {
        runs: Array<{ status: string; dropped: number; dropReasons: unknown }>;
      };
      assert.equal(runs.runs[0]!.status, 'partial');
      assert.equal(runs.runs[0]!.dropped, goals);
      assert.deepEqual(runs.runs[0]!.dropReasons, [
        { reason: 'entry without a resource object', count: goals },
      ]);

      const webhook = JSON.parse(buildSyncWebhookBody(summary)) as { status: string; dropped: number };
      assert.deepEqual([webhook.status, webhook.dropped], ['partial', goals]);

      const operatorPage = await app.services.store.db
        .selectFrom('sync_runs')
        .select(['dropped'])
        .where('id', '=', summary.runId)
        .executeTakeFirstOrThrow();
      assert.equal(Number(operatorPage.dropped), goals);
      await app.assertNoSecretsLeaked([JSON.stringify(summary), JSON.stringify(coverage)]);
    });

    it('a type whose search always answers 500 is not available, and never pauses the run', async () => {
      const id = await connect();
      app.sandbox.faults.add({ org: orgId, route: 'Goal', kind: 'status', status: 500 });
      const summary = await runSync({ services: app.services, connectionId: id, sleep: fastSleep });
      const goal = summary.queries.find((q) => q.key === 'Goal')!;
      assert.deepEqual(
        [goal.status, goal.httpStatus, goal.reason],
        ['not_available', 500, 'not available (http 500)'],
      );
      assert.equal(summary.status, 'succeeded');
    });

    it('referenced resources whose reads always answer 500 are not available, and the run completes', async () => {
      const id = await connect();
      app.sandbox.faults.add({ org: orgId, route: 'Practitioner', kind: 'status', status: 500 });
      const summary = await runSync({ services: app.services, connectionId: id, sleep: fastSleep });
      assert.equal(summary.status, 'succeeded');
      const coverage = (await (await app.api(`/api/connections/${id}/coverage`)).json()) as {
        references: { unavailable: number; dropped: number };
      };
      const practitioners = await countStored(id, 'Practitioner');
      assert.equal(practitioners, 0);
      assert.ok(coverage.references.unavailable > 0, JSON.stringify(coverage.references));
      assert.equal(coverage.references.dropped, 0);
    });

    it('keeps the pages already read when a later page of the same search fails', async () => {
      const encounters = app.sandbox.data.patientResources(orgId, patientId, 'Encounter').length;
      const id = await connect();
      // The second page's `next` link points off the EHR: the search stops there, refused (C32).
      app.sandbox.faults.add({
        org: orgId,
        route: 'Encounter',
        kind: 'foreign-next',
        afterRequests: 1,
        times: 1,
      });
      const summary = await runSync({
        services: app.services,
        connectionId: id,
        sleep: fastSleep,
        syncLimits: { pageSize: 10 },
      });
      const encounter = summary.queries.find((q) => q.key === 'Encounter')!;
      assert.ok(encounters > 20, `the fixture patient has more than two pages of encounters (${encounters})`);
      assert.equal(encounter.status, 'failed');
      assert.equal(encounter.pages, 2);
      assert.equal(encounter.resources, 20);
      assert.equal(await countStored(id, 'Encounter'), 20);
      assert.equal(summary.status, 'partial');
      assert.match(summary.reason ?? '', /queries failed: Encounter/);
    });
  });
}
