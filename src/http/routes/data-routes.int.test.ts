import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Hono } from 'hono';
import { startTestServer } from '../../testing/test-server.ts';
import { runCli } from '../../testing/run-cli.ts';
import { startConnectedApp, type ConnectedApp } from '../../testing/connected-app.ts';
import { runSync } from '../../sync/run-sync.ts';
import { storedRecord, hashCanonical } from '../../testing/sync/compare-with-sandbox.ts';

describe('data out over the management api and the cli', () => {
  let app: ConnectedApp;
  let connectionId: string;
  const received: Array<{ body: string; signature: string | undefined }> = [];
  let hook: Awaited<ReturnType<typeof startTestServer>>;
  const secret = 'webhook-secret-for-tests';

  before(async () => {
    app = await startConnectedApp();
    hook = await startTestServer(
      new Hono().post('/hook', async (c) => {
        received.push({ body: await c.req.text(), signature: c.req.header('x-chartbridge-signature') });
        return c.body(null, 204);
      }),
    );
    connectionId = await app.connectPatient('data-user', { orgId: 'org-b', username: 'vitofeeney' });
    const services = {
      ...app.services,
      config: { ...app.services.config, webhook: { url: `${hook.url}/hook`, secret } },
    };
    await runSync({ services, connectionId });
  });
  after(async () => {
    await hook.close();
    await app.close();
  });

  it('sends a signed webhook on completion, without patient data', () => {
    assert.equal(received.length, 1);
    const { body, signature } = received[0]!;
    const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(signature ?? '');
    assert.ok(match);
    assert.equal(match[2], createHmac('sha256', secret).update(`${match[1]}.${body}`).digest('hex'));
    const payload = JSON.parse(body) as {
      type: string;
      connectionId: string;
      status: string;
      resources: number;
    };
    assert.deepEqual(
      [payload.type, payload.connectionId, payload.status],
      ['sync.completed', connectionId, 'succeeded'],
    );
    assert.ok(!body.includes('Vito') && !body.includes('Feeney'));
  });

  it('lists sync runs with counts, and coverage per type and category', async () => {
    const runs = (await (await app.api(`/api/connections/${connectionId}/sync-runs`)).json()) as {
      runs: Array<{ status: string; resources: number; pages: number; queries: unknown[] }>;
    };
    assert.equal(runs.runs.length, 1);
    assert.equal(runs.runs[0]!.status, 'succeeded');
    const stored = await storedRecord(app.services.store, connectionId);
    assert.equal(runs.runs[0]!.resources, stored.size);
    const coverage = (await (await app.api(`/api/connections/${connectionId}/coverage`)).json()) as {
      entries: Array<{ key: string; status: string; resources: number; reason: string | null }>;
    };
    const byKey = new Map(coverage.entries.map((e) => [e.key, e]));
    assert.equal(byKey.get('Observation:laboratory')?.status, 'received');
    assert.equal(byKey.get('Observation:laboratory')?.resources, 636);
    assert.deepEqual(byKey.get('Observation:sdoh'), {
      key: 'Observation:sdoh',
      resourceType: 'Observation',
      category: 'sdoh',
      status: 'none',
      resources: 0,
      reason: 'the server returned none',
      dropped: 0,
      dropReasons: [],
    });
  });

  it('explains refused and not-granted types in the coverage report', async () => {
    const restricted = await app.connectPatient('restricted-user', {
      orgId: 'org-b',
      username: 'vitofeeney',
    });
    const client = app.sandbox.clients.list()[0]!;
    const labels = [
      'Patient.Read (Demographics) (R4)',
      'Observation.Search (Labs) (R4)',
      'Observation.Read (Labs) (R4)',
    ];
    app.sandbox.clients.update(client.clientId, { grantedApis: labels });
    await app.services.store.db
      .updateTable('connections')
      .set({
        scope: 'openid fhirUser patient/Patient.read patient/Observation.read patient/Immunization.read',
      })
      .where('id', '=', restricted)
      .execute();
    try {
      await runSync({ services: app.services, connectionId: restricted });
    } finally {
      app.sandbox.clients.update(client.clientId, { grantedApis: [] });
    }
    const coverage = (await (await app.api(`/api/connections/${restricted}/coverage`)).json()) as {
      entries: Array<{ key: string; status: string; reason: string | null }>;
    };
    const byKey = new Map(coverage.entries.map((e) => [e.key, e]));
    assert.equal(byKey.get('Observation:laboratory')?.status, 'received');
    assert.deepEqual(
      [byKey.get('Observation:vital-signs')?.status, byKey.get('Observation:vital-signs')?.reason],
      ['refused', 'refused by the server (http 403)'],
    );
    assert.deepEqual(
      [byKey.get('Immunization')?.status, byKey.get('Immunization')?.reason],
      ['refused', 'refused by the server (http 403)'],
    );
    assert.deepEqual(
      [byKey.get('Encounter')?.status, byKey.get('Encounter')?.reason],
      ['not_granted', "not granted: the access token's scope does not include patient/Encounter.read"],
    );
  });

  it('explains a search the server rejected (400) in its own words, without failing the sync', async () => {
    const rejected = await app.connectPatient('rejected-user', { orgId: 'org-b', username: 'vitofeeney' });
    app.sandbox.faults.add({ org: 'org-b', route: 'Procedure', kind: 'status', status: 400 });
    let status: string;
    try {
      status = (await runSync({ services: app.services, connectionId: rejected })).status;
    } finally {
      app.sandbox.faults.clear();
    }
    assert.equal(status, 'succeeded');
    const coverage = (await (await app.api(`/api/connections/${rejected}/coverage`)).json()) as {
      entries: Array<{ key: string; status: string; resources: number; reason: string | null }>;
    };
    const byKey = new Map(coverage.entries.map((e) => [e.key, e]));
    assert.deepEqual(byKey.get('Procedure'), {
      key: 'Procedure',
      resourceType: 'Procedure',
      category: null,
      status: 'rejected',
      resources: 0,
      reason:
        'rejected by the server (http 400): fatal 4100: The resource request contained an invalid parameter.',
      dropped: 0,
      dropReasons: [],
    });
    assert.equal(byKey.get('Encounter')?.status, 'received');
  });

  it('serves resources by type with _since and paging, and rejects hostile filters', async () => {
    const page = (await (
      await app.api(`/api/connections/${connectionId}/resources?type=Immunization&_count=5`)
    ).json()) as { entry: Array<{ resource: { resourceType: string } }>; link?: Array<{ url: string }> };
    assert.equal(page.entry.length, 5);
    assert.ok(page.entry.every((e) => e.resource.resourceType === 'Immunization'));
    const second = (await (await app.api(page.link![0]!.url)).json()) as {
      entry: unknown[];
      link?: Array<{ url: string }>;
    };
    assert.equal(second.entry.length, 5);
    const third = (await (await app.api(second.link![0]!.url)).json()) as {
      entry: unknown[];
      link?: unknown;
    };
    assert.deepEqual([third.entry.length, third.link], [1, undefined]);
    const future = (await (
      await app.api(`/api/connections/${connectionId}/resources?_since=2999-01-01T00:00:00Z`)
    ).json()) as { entry: unknown[] };
    assert.equal(future.entry.length, 0);
    for (const query of [
      "type=Observation'%20OR%201=1--",
      '_since=yesterday',
      '_count=0',
      '_cursor=../../x',
    ]) {
      const response = await app.api(`/api/connections/${connectionId}/resources?${query}`);
      assert.equal(response.status, 400, query);
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'ERR_INVALID_INPUT');
    }
    assert.equal((await app.api(`/api/connections/nope/resources`)).status, 404);
    assert.equal((await fetch(`${app.url}/api/connections/${connectionId}/resources`)).status, 401);
  });

  it('streams the export as NDJSON and as a Bundle, over http and from the cli', async () => {
    const stored = await storedRecord(app.services.store, connectionId);
    const ndjson = await app.api(`/api/connections/${connectionId}/export?format=ndjson`);
    assert.equal(ndjson.headers.get('content-type'), 'application/fhir+ndjson');
    const lines = (await ndjson.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { resourceType: string; id: string });
    // The record, then its one attachment (the C-CDA summary) as a Binary.
    const records = lines.filter((r) => r.resourceType !== 'Binary');
    assert.deepEqual(new Map(records.map((r) => [`${r.resourceType}/${r.id}`, hashCanonical(r)])), stored);
    assert.equal(lines.length, stored.size + 1);
    const bundle = (await (
      await app.api(`/api/connections/${connectionId}/export?format=bundle`)
    ).json()) as { type: string; entry: Array<{ resource: unknown }> };
    assert.equal(bundle.type, 'collection');
    assert.equal(bundle.entry.length, stored.size + 1);
    const cli = await runCli(['export', connectionId, '--format', 'ndjson'], { env: app.cliEnv });
    assert.equal(cli.code, 0, cli.stderr);
    assert.equal(cli.stdout.trim().split('\n').length, stored.size + 1);
    const synced = await runCli(['connections', 'sync', connectionId, '--json'], { env: app.cliEnv });
    assert.equal(synced.code, 0, synced.stderr);
    const summary = JSON.parse(synced.stdout) as { status: string; full: boolean; connectionId: string };
    assert.deepEqual(
      [summary.status, summary.full, summary.connectionId],
      ['succeeded', false, connectionId],
    );
    assert.match(synced.stderr, /sync \[.*\] \d+\/\d+ queries/);
    const badId = await runCli(['connections', 'sync', '../x'], { env: app.cliEnv });
    assert.deepEqual(
      [badId.code, badId.stderr.trim()],
      [2, "chartbridge: invalid connection id '../x': use letters, digits and . _ : @ -"],
    );
    const bad = await runCli(['export', connectionId, '--format', 'xml'], { env: app.cliEnv });
    assert.deepEqual(
      [bad.code, bad.stderr.trim()],
      [2, "chartbridge: unknown --format 'xml'; use ndjson or bundle"],
    );
    assert.equal((await app.api(`/api/connections/${connectionId}/export?format=xml`)).status, 400);
  });

  it('serves binaries only as downloads with nosniff (case 10)', async () => {
    const row = await app.services.store.db
      .selectFrom('binaries')
      .selectAll()
      .where('connection_id', '=', connectionId)
      .where('status', '=', 'ok')
      .executeTakeFirstOrThrow();
    const response = await app.api(`/api/connections/${connectionId}/binaries/${row.binary_id}`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.match(response.headers.get('content-disposition') ?? '', /^attachment; filename="/);
    assert.deepEqual(Buffer.from(await response.arrayBuffer()), Buffer.from(row.data!));
    await app.services.store.db
      .insertInto('binaries')
      .values({
        connection_id: connectionId,
        binary_id: 'evil',
        content_type: 'text/html',
        size: 5,
        hash: 'x',
        data: Buffer.from('<svg>'),
        status: 'ok',
        fetched_at: 1,
      })
      .execute();
    const evil = await app.api(`/api/connections/${connectionId}/binaries/evil`);
    assert.equal(evil.headers.get('content-type'), 'application/octet-stream');
    assert.equal((await app.api(`/api/connections/${connectionId}/binaries/..%2F..%2Fetc`)).status, 400);
  });
});
