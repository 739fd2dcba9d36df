import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { DialectName } from '../store/database.ts';
import { testDialects } from '../testing/databases.ts';
import { startConnectedApp, type ConnectedApp } from '../testing/connected-app.ts';
import { runSync, type RunSyncInput } from './run-sync.ts';

/** Issue 13 point 7: attachments that fail, live elsewhere under the base, or outside it never stall a run. */
for (const dialect of testDialects) describeAttachments(dialect);

function describeAttachments(dialect: DialectName): void {
  describe(`sync attachments (${dialect})`, () => {
    let app: ConnectedApp;
    let users = 0;
    const orgId = 'org-b';
    let requested: URL[] = [];
    const fastSleep = async () => {};

    before(async () => {
      app = await startConnectedApp({ dialect });
    });
    afterEach(() => {
      app.sandbox.faults.clear();
      requested = [];
    });
    after(() => app?.close());

    const recordingFetch = (async (input: string | URL | Request, init?: RequestInit) => {
      requested.push(new URL(String(input instanceof Request ? input.url : input)));
      return app.services.fetch(input, init);
    }) as typeof fetch;
    const sync = (connectionId: string, extra: Partial<RunSyncInput> = {}) =>
      runSync({
        services: { ...app.services, fetch: recordingFetch },
        connectionId,
        sleep: fastSleep,
        ...extra,
      });
    const binaries = (connectionId: string) =>
      app.services.store.db
        .selectFrom('binaries')
        .select(['binary_id', 'status', 'reason', 'attempts', 'source'])
        .where('connection_id', '=', connectionId)
        .orderBy('binary_id')
        .execute();
    const patientOf = (username: string) =>
      app.sandbox.data.organization(orgId)!.patients.find((p) => p.username === username)!.id;

    it('an always-500 attachment ends the run partial, is tried once per run and fetched when it recovers', async () => {
      users += 1;
      const id = await app.connectPatient(`attach-user-${users}`, { orgId, username: 'vitofeeney' });
      const [doc] = app.sandbox.data.patientResources(orgId, patientOf('vitofeeney'), 'DocumentReference');
      const binaryId = (doc!.content as Array<{ attachment: { url: string } }>)[0]!.attachment.url.slice(7);
      app.sandbox.faults.add({ org: orgId, route: `/Binary/${binaryId}$`, kind: 'status', status: 500 });
      const tries = () => requested.filter((url) => url.pathname.endsWith(`/Binary/${binaryId}`)).length;
      const reason = '1 dropped: 1 attachments not fetched: the server kept answering http 500 after retries';

      const first = await sync(id);
      assert.equal(first.status, 'partial');
      assert.equal(first.reason, reason);
      assert.equal(tries(), 4, 'the client retries 4 times, then the run moves on');
      const phase = first.queries.find((q) => q.key === '~attachments');
      assert.equal(
        phase?.reason,
        '1 attachment(s) not fetched: 1 the server kept answering http 500 after retries',
      );
      const coverage = (await (await app.api(`/api/connections/${id}/coverage`)).json()) as {
        attachments: { fetched: number; dropped: number; unavailable: number; reasons: unknown[] };
      };
      assert.deepEqual(coverage.attachments, {
        fetched: 0,
        dropped: 1,
        unavailable: 1,
        reasons: [
          { reason: 'attachments not fetched: the server kept answering http 500 after retries', count: 1 },
        ],
      });
      const runs = (await (await app.api(`/api/connections/${id}/sync-runs`)).json()) as {
        runs: Array<{ status: string; finishedAt: string | null; reason: string }>;
      };
      assert.equal(runs.runs[0]!.status, 'partial');
      assert.notEqual(runs.runs[0]!.finishedAt, null);
      assert.deepEqual(
        (await binaries(id)).map((b) => [b.binary_id, b.status, b.reason, Number(b.attempts)]),
        [[binaryId, 'failed', 'the server kept answering http 500 after retries', 1]],
      );

      // The next (incremental) run does not see the DocumentReference again, yet retries the attachment once.
      requested = [];
      const second = await sync(id);
      assert.equal(second.status, 'partial');
      assert.equal(second.reason, reason);
      assert.equal(tries(), 4);
      assert.equal(Number((await binaries(id))[0]!.attempts), 2);

      // Healthy again, but its backoff (an hour after a second failure) is not over: not requested, still partial.
      app.sandbox.faults.clear();
      requested = [];
      const third = await sync(id);
      assert.equal(third.status, 'partial');
      assert.equal(third.reason, reason);
      assert.equal(tries(), 0);

      requested = [];
      const later = { now: () => Date.now() + 2 * 3_600_000 };
      const fourth = await sync(id, { services: { ...app.services, fetch: recordingFetch, clock: later } });
      assert.equal(fourth.status, 'succeeded');
      assert.equal(fourth.reason, null);
      assert.equal(tries(), 1);
      const [stored] = await binaries(id);
      assert.deepEqual([stored!.status, stored!.reason], ['ok', null]);
      const download = await app.api(`/api/connections/${id}/binaries/${binaryId}`);
      assert.equal(download.status, 200);
      assert.match(Buffer.from(await download.arrayBuffer()).toString('utf8'), /^<\?xml/);
    });

    it('fetches same-origin document urls under the base, records external ones and never requests them', async () => {
      users += 1;
      const username = 'lawerencebaumbach';
      const id = await app.connectPatient(`attach-user-${users}`, { orgId, username });
      const fhirBase = app.sandbox.orgUrls(orgId).fhirBase;
      app.sandbox.faults.add({
        org: orgId,
        route: 'DocumentReference',
        kind: 'foreign-attachment',
        origin: `${fhirBase}/document`,
      });
      app.sandbox.faults.add({
        org: orgId,
        route: 'DiagnosticReport',
        kind: 'foreign-attachment',
        origin: 'https://www.w3.org/WAI/ER/tests',
      });
      const summary = await sync(id, { full: true });
      assert.equal(summary.status, 'partial');
      assert.equal(
        summary.reason,
        '92 dropped: 92 attachments not fetched: outside the fhir base, not fetched',
      );
      assert.ok(
        summary.warnings.includes(
          "attachments: refused an attachment at 'https://www.w3.org': outside the fhir base, not fetched",
        ),
      );
      assert.deepEqual(
        [...new Set(requested.map((url) => url.origin))],
        [new URL(app.sandbox.url).origin],
        'nothing requested off the sandbox',
      );
      assert.equal(requested.filter((url) => url.pathname.includes('/document/Binary/')).length, 93);
      const rows = await binaries(id);
      const byStatus = (status: string) => rows.filter((row) => row.status === status);
      assert.equal(byStatus('ok').length, 93);
      assert.ok(byStatus('ok').every((row) => /^url-[0-9a-f]{40}$/.test(row.binary_id)));
      assert.ok(byStatus('ok').every((row) => row.source!.startsWith('document/Binary/')));
      assert.equal(byStatus('outside').length, 92);
      assert.ok(
        byStatus('outside').every((row) => /^ext-[0-9a-f]{40}$/.test(row.binary_id) && row.source === null),
      );
      assert.equal(rows.length, 185);

      // Outside stays outside: a second run asks for none of them and says so again.
      requested = [];
      const again = await sync(id, { full: true });
      assert.equal(
        again.reason,
        '92 dropped: 92 attachments not fetched: outside the fhir base, not fetched',
      );
      assert.equal(requested.filter((url) => url.pathname.includes('/document/')).length, 0);
    });
  });
}
