import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRandomToken } from '../connect/secrets.ts';
import type { DialectName } from '../store/database.ts';
import { startConnectedApp, type ConnectedApp } from '../testing/connected-app.ts';
import { testDialects } from '../testing/databases.ts';
import { runCli } from '../testing/run-cli.ts';
import { waitFor } from '../testing/wait-for.ts';
import { REAUTH_BURST_ACTION } from './reauth-burst.ts';
import {
  listPhiEvents,
  readCoverageSummary,
  RECORD_TYPES,
  setUpSyncedPatient,
  type PhiEvent,
} from '../testing/audit/phi-fixture.ts';

/** Issue 14, point 5: every read of patient data leaves one audit row — who, which connection, what, how many. */
for (const dialect of testDialects) describeReads(dialect);

function describeReads(dialect: DialectName): void {
  describe(`audit of PHI reads (${dialect})`, () => {
    let app: ConnectedApp;
    let connectionId: string;
    let userId: string;
    let secret: string;
    let stored: Map<string, number>;
    let binaries: number;

    before(async () => {
      app = await startConnectedApp({ dialect });
      ({ connectionId, userId, secret, stored, binaries } = await setUpSyncedPatient(app));
    });
    after(async () => {
      await app?.assertNoSecretsLeaked();
      await app?.close();
    });

    const phiEvents = () => listPhiEvents(app, connectionId);
    const coverageSummary = () => readCoverageSummary(app, connectionId);
    const total = (types: string[]) => types.reduce((sum, t) => sum + (stored.get(t) ?? 0), 0);
    const held = (types: string[]) => types.filter((t) => (stored.get(t) ?? 0) > 0).sort();

    it('syncing and connecting read nothing on anyone’s behalf', async () => {
      assert.deepEqual(await phiEvents(), []);
      assert.ok(total(['Observation']) > 5, 'the sandbox patient has observations');
    });

    it('API: resources, coverage, sync runs, export and a binary each leave their rows with the exact count', async () => {
      const page = await app.api(`/api/connections/${connectionId}/resources?type=Observation&_count=5`);
      assert.equal(page.status, 200);
      assert.equal(((await page.json()) as { entry: unknown[] }).entry.length, 5);
      const report = (await (await app.api(`/api/connections/${connectionId}/coverage`)).json()) as {
        entries: Array<{ resourceType: string; resources: number }>;
      };
      const reported = report.entries.filter((e) => e.resources > 0);
      const { runs } = (await (await app.api(`/api/connections/${connectionId}/sync-runs`)).json()) as {
        runs: Array<{ queries: Array<{ resourceType: string; resources: number }> }>;
      };
      const ranQueries = runs.flatMap((run) => run.queries).filter((q) => q.resources > 0);
      assert.ok(ranQueries.length > 3, 'the sync ran queries that found resources');
      const exported = await (await app.api(`/api/connections/${connectionId}/export`)).text();
      const lines = exported.trim().split('\n');
      assert.equal(lines.length, total([...stored.keys()]) + binaries);
      assert.ok(binaries >= 1);
      const binary = await app.api(`/api/connections/${connectionId}/binaries/note-1`);
      assert.equal(await binary.text(), 'hello');
      // Refused reads (unknown binary, bad filter) are not reads of patient data.
      assert.equal((await app.api(`/api/connections/${connectionId}/binaries/none`)).status, 404);
      assert.equal((await app.api(`/api/connections/${connectionId}/resources?type=x`)).status, 400);

      const events = await phiEvents();
      assert.deepEqual(events, [
        {
          actor: 'api',
          action: 'phi.resources',
          connectionId,
          userId,
          detail: { via: 'GET /api/connections/:id/resources', types: 'Observation', count: 5 },
        },
        {
          actor: 'api',
          action: 'phi.summary',
          connectionId,
          userId,
          detail: {
            via: 'GET /api/connections/:id/coverage',
            types: [...new Set(reported.map((e) => e.resourceType))].sort().join(','),
            count: reported.reduce((sum, e) => sum + e.resources, 0),
          },
        },
        {
          actor: 'api',
          action: 'phi.summary',
          connectionId,
          userId,
          detail: {
            via: 'GET /api/connections/:id/sync-runs',
            types: [...new Set(ranQueries.map((q) => q.resourceType))].sort().join(','),
            count: ranQueries.reduce((sum, q) => sum + q.resources, 0),
          },
        },
        {
          actor: 'api',
          action: 'phi.export',
          connectionId,
          userId,
          detail: { via: 'GET /api/connections/:id/export' },
        },
        {
          actor: 'api',
          action: 'phi.export_end',
          connectionId,
          userId,
          detail: {
            via: 'GET /api/connections/:id/export',
            types: [...held([...stored.keys()]), 'Binary'].sort().join(','),
            count: lines.length,
            complete: true,
          },
        },
        {
          actor: 'api',
          action: 'phi.binary',
          connectionId,
          userId,
          detail: { via: 'GET /api/connections/:id/binaries/:binaryId', types: 'Binary', count: 1 },
        },
      ]);
      assert.ok(reported.some((e) => e.resourceType === 'Observation'));
    });

    it('an export the client abandons is recorded as incomplete, with what was handed out', async () => {
      const before = (await phiEvents()).length;
      // Big attachments, so the export is still streaming when the client goes away.
      for (let i = 0; i < 8; i += 1) {
        await app.services.store.db
          .insertInto('binaries')
          .values({
            connection_id: connectionId,
            binary_id: `big-${i}`,
            content_type: 'application/pdf',
            size: 2 * 1024 * 1024,
            hash: 'x',
            data: Buffer.alloc(2 * 1024 * 1024, i),
            status: 'ok',
            fetched_at: 1,
          })
          .execute();
      }
      const abort = new AbortController();
      const response = await app.api(`/api/connections/${connectionId}/export`, { signal: abort.signal });
      const reader = response.body!.getReader();
      await reader.read();
      abort.abort();
      await reader.cancel().catch(() => undefined);
      const [started, event] = await waitFor(
        async () => {
          const added = (await phiEvents()).slice(before);
          return added.length > 1 ? added : undefined;
        },
        { what: 'the abandoned export’s audit rows' },
      );
      assert.equal(started!.action, 'phi.export');
      assert.equal(event!.action, 'phi.export_end');
      assert.equal(event!.detail.complete, false);
      const sent = Number(event!.detail.count);
      assert.ok(sent >= 1 && sent < total([...stored.keys()]) + binaries + 8, String(sent));
      await app.services.store.db.deleteFrom('binaries').where('binary_id', 'like', 'big-%').execute();
    });

    it("the patient's record pages and document: one row per connection read, actor patient", async () => {
      const before = (await phiEvents()).length;
      const browser = app.newBrowser();
      browser.cookies.set('cb_user', secret);
      assert.equal((await browser.get(`${app.url}/my/record`)).status, 200);
      assert.equal((await browser.get(`${app.url}/my/record/problems`)).status, 200);
      assert.equal((await browser.get(`${app.url}/my/coverage`)).status, 200);
      assert.equal(
        (await browser.get(`${app.url}/my/connections/${connectionId}/documents/note-1`)).status,
        200,
      );
      // Another browser reads nothing: no row.
      const stranger = app.newBrowser();
      stranger.cookies.set('cb_user', createRandomToken());
      assert.equal(
        (await stranger.get(`${app.url}/my/connections/${connectionId}/documents/note-1`)).status,
        404,
      );
      const events = (await phiEvents()).slice(before);
      const { types: coverageTypes, count: coverageCount } = await coverageSummary();
      assert.deepEqual(events, [
        {
          actor: 'patient',
          action: 'phi.record',
          connectionId,
          userId,
          detail: { via: 'GET /my/record', types: held(RECORD_TYPES).join(','), count: total(RECORD_TYPES) },
        },
        {
          actor: 'patient',
          action: 'phi.record',
          connectionId,
          userId,
          detail: { via: 'GET /my/record/:section', types: 'Condition', count: total(['Condition']) },
        },
        {
          actor: 'patient',
          action: 'phi.summary',
          connectionId,
          userId,
          detail: { via: 'GET /my/coverage', types: coverageTypes, count: coverageCount },
        },
        {
          actor: 'patient',
          action: 'phi.binary',
          connectionId,
          userId,
          detail: { via: 'GET /my/connections/:id/documents/:binaryId', types: 'Binary', count: 1 },
        },
      ]);
    });

    it("the operator's connection page is a summary read; a burst alert shows on the overview", async () => {
      const before = (await phiEvents()).length;
      const operator = app.newBrowser();
      assert.equal((await operator.post(`${app.url}/operator/login`, { apiKey: app.apiKey })).status, 303);
      assert.equal((await operator.get(`${app.url}/operator/connections/${connectionId}`)).status, 200);
      const [event] = (await phiEvents()).slice(before);
      assert.equal(event!.actor, 'operator');
      assert.equal(event!.action, 'phi.summary');
      assert.equal(event!.detail.via, 'GET /operator/connections/:id');
      assert.equal(event!.userId, userId);

      const quiet = await (await operator.get(`${app.url}/operator`)).text();
      assert.ok(!quiet.includes('connections needed the patient again'));
      const detail = { count: 12, threshold: 10, windowMinutes: 10 };
      await app.services.repos.audit.record(
        { actor: 'scheduler', action: REAUTH_BURST_ACTION, detail },
        app.services.clock.now(),
      );
      const alerted = await (await operator.get(`${app.url}/operator`)).text();
      assert.match(
        alerted,
        /<p class="error" role="alert">[^<]*12 connections needed the patient again within 10 minutes/,
      );
    });

    it('CLI export is audited as actor cli, and `chartbridge audit` lists the trail', async () => {
      const exported = await runCli(['export', connectionId, '--format', 'bundle', '--no-attachments'], {
        env: app.cliEnv,
      });
      assert.equal(exported.code, 0, exported.stderr);
      const bundle = JSON.parse(exported.stdout) as { entry: unknown[] };
      const events = await phiEvents();
      assert.deepEqual(events.at(-2), {
        actor: 'cli',
        action: 'phi.export',
        connectionId,
        userId,
        detail: { via: 'export --format bundle' },
      });
      assert.deepEqual(events.at(-1), {
        actor: 'cli',
        action: 'phi.export_end',
        connectionId,
        userId,
        detail: {
          via: 'export --format bundle',
          types: held([...stored.keys()]).join(','),
          count: bundle.entry.length,
          complete: true,
        },
      });

      const listed = await runCli(['audit', '--connection', connectionId, '--action', 'phi.*', '--json'], {
        env: app.cliEnv,
      });
      assert.equal(listed.code, 0, listed.stderr);
      const trail = JSON.parse(listed.stdout) as Array<PhiEvent & { at: string }>;
      assert.deepEqual(
        trail.map((e) => `${e.actor} ${e.action}`),
        events.map((e) => `${e.actor} ${e.action}`),
      );
      assert.deepEqual(trail.at(-1)!.detail, events.at(-1)!.detail);
      const exports = await runCli(['audit', '--action', 'phi.export', '--since', '1h', '--limit', '1'], {
        env: app.cliEnv,
      });
      assert.equal(exports.code, 0, exports.stderr);
      assert.match(
        exports.stdout,
        new RegExp(`^\\S+Z {2}phi\\.export {2}cli {2}connection ${connectionId} {2}\\{`),
      );
      assert.equal(exports.stdout.trim().split('\n').length, 1);
      const bad = await runCli(['audit', '--since', 'yesterday'], { env: app.cliEnv });
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /invalid --since 'yesterday': use an ISO time/);
    });
  });
}
