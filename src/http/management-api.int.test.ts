import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startConnectedApp, type ConnectedApp } from '../testing/connected-app.ts';
import { createHttpApp } from './app.ts';
import { startHttpServer } from './start-server.ts';

let app: ConnectedApp;
const bodies: string[] = [];
before(async () => {
  // Case 40 sends 20 wrong keys from one address: above the lockout's default (api-key-lockout.test.ts tests it).
  app = await startConnectedApp({ env: { CHARTBRIDGE_API_KEY_MAX_FAILURES: '100' } });
});
after(async () => {
  await app.assertNoSecretsLeaked(bodies);
  await app.close();
});

async function json(response: Response) {
  const text = await response.text();
  bodies.push(text);
  return JSON.parse(text) as Record<string, unknown>;
}

test('case 40: without or with a wrong API key every management route is 401 and shows no data', async () => {
  const id = await app.connectPatient('case40');
  const routes: Array<[string, string, string?]> = [
    ['POST', '/api/connect-sessions', JSON.stringify({ userId: 'case40' })],
    ['GET', '/api/users/case40/connections'],
    ['GET', `/api/connections/${id}`],
    ['DELETE', `/api/connections/${id}`],
  ];
  const wrongHeaders: Array<Record<string, string>> = [
    {},
    { authorization: `Bearer ${app.apiKey}x` },
    { authorization: `Bearer ${app.apiKey.slice(0, -1)}` },
    { authorization: app.apiKey },
    { authorization: `Basic ${app.apiKey}` },
  ];
  for (const [method, path, body] of routes) {
    for (const headers of wrongHeaders) {
      const response = await fetch(`${app.url}${path}`, {
        method,
        body,
        headers: { 'content-type': 'application/json', ...headers },
      });
      assert.equal(response.status, 401, `${method} ${path}`);
      assert.equal(response.headers.get('www-authenticate'), 'Bearer realm="chartbridge"');
      assert.deepEqual(await json(response), {
        error: {
          code: 'ERR_UNAUTHORIZED',
          message: 'missing or wrong api key: send Authorization: Bearer <CHARTBRIDGE_API_KEY>',
        },
      });
    }
  }
  assert.equal((await app.services.repos.connections.findById(id))!.status, 'active', 'nothing changed');
});

test('connect sessions: one-time unguessable URL; bad input is a 400 that names the field', async () => {
  const response = await app.api('/api/connect-sessions', {
    method: 'POST',
    body: JSON.stringify({ userId: 'u-1', returnUrl: `${app.url}/back?x=1` }),
  });
  assert.equal(response.status, 201);
  const session = await json(response);
  assert.match(String(session.id), /^cs_[0-9a-f]{32}$/);
  assert.match(String(session.url), new RegExp(`^${app.url}/connect/[A-Za-z0-9_-]{43}$`));
  assert.ok(Date.parse(String(session.expiresAt)) > Date.now());
  const stored = await app.services.store.db
    .selectFrom('connect_sessions')
    .selectAll()
    .where('id', '=', String(session.id))
    .executeTakeFirst();
  assert.ok(
    !JSON.stringify(stored).includes(String(session.url).split('/').pop()!),
    'only the token hash is stored',
  );

  const cases: Array<[unknown, string]> = [
    [{ userId: '' }, "'userId' must be 1-128 characters of letters, digits and . _ : @ -"],
    [{ userId: 'a/b' }, "'userId' must be 1-128 characters of letters, digits and . _ : @ -"],
    [
      { userId: 'u', returnUrl: 'https://evil.example.net/steal' },
      "'returnUrl' must be on chartbridge's own origin or an origin listed in CHARTBRIDGE_APP_ORIGINS",
    ],
    [
      { userId: 'u', returnUrl: `javascript:alert(1)` },
      "'returnUrl' must be on chartbridge's own origin or an origin listed in CHARTBRIDGE_APP_ORIGINS",
    ],
    [{ userId: 'u', returnUrl: 42 }, "'returnUrl' must be a string"],
    [[1, 2], 'the request body must be a json object'],
  ];
  for (const [body, message] of cases) {
    const bad = await app.api('/api/connect-sessions', { method: 'POST', body: JSON.stringify(body) });
    assert.equal(bad.status, 400);
    assert.deepEqual(await json(bad), { error: { code: 'ERR_INVALID_INPUT', message } });
  }
  const notJson = await app.api('/api/connect-sessions', {
    method: 'POST',
    body: 'userId=u',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(notJson.status, 400);
});

test('case 15: an organisation id must come from the directory', async () => {
  const session = await json(
    await app.api('/api/connect-sessions', { method: 'POST', body: JSON.stringify({ userId: 'case15' }) }),
  );
  const browser = app.newBrowser();
  for (const org of ['https://evil.example.net/fhir', 'no-such-org', '../../etc']) {
    const response = await browser.get(`${session.url}?org=${encodeURIComponent(org)}`);
    assert.equal(response.status, 404);
    assert.ok((await response.text()).includes('unknown organization: pick a hospital from the directory'));
  }
  // The session was not consumed by the refused attempts.
  assert.equal((await browser.get(`${session.url}?org=sandbox-org-a`)).status, 302);
});

test('connections API: show, list, 404, and DELETE revokes at the EHR, deletes tokens and audits', async () => {
  const id = await app.connectPatient('api-user');
  const shown = await json(await app.api(`/api/connections/${id}`));
  assert.equal(shown.id, id);
  assert.equal(shown.status, 'active');
  for (const key of Object.keys(shown)) assert.doesNotMatch(key, /sealed|lease/);
  const missing = await app.api('/api/connections/con_missing');
  assert.equal(missing.status, 404);
  assert.deepEqual(await json(missing), {
    error: { code: 'ERR_NOT_FOUND', message: "connection 'con_missing' not found" },
  });

  const row = (await app.services.repos.connections.findById(id))!;
  const refreshToken = await app.services.sealer.unseal(
    row.refresh_token_sealed!,
    `connections/${id}/refresh_token_sealed`,
  );
  const deleted = await app.api(`/api/connections/${id}`, { method: 'DELETE' });
  assert.equal(deleted.status, 200);
  assert.deepEqual(await json(deleted), { connectionId: id, revocation: 'revoked' });
  const after = (await app.services.repos.connections.findById(id))!;
  assert.equal(after.status, 'revoked');
  assert.equal(after.access_token_sealed, null);
  assert.equal(after.refresh_token_sealed, null);
  await assert.rejects(
    app.services.smart.refresh({
      endpoints: { issuer: row.issuer, tokenEndpoint: row.token_endpoint },
      clientId: row.client_id,
      refreshToken,
    }),
    { code: 'ERR_INVALID_GRANT' },
  );
  const audit = await app.services.repos.audit.listForConnection(id);
  assert.deepEqual(JSON.parse(audit.at(-1)!.detail), { revocation: 'revoked' });
  assert.equal(audit.at(-1)!.action, 'connection.disconnected');
});

test('case 28 basics: revocation endpoint down → local tokens deleted anyway, revocation pending', async () => {
  const id = await app.connectPatient('case28');
  app.sandbox.faults.add({ kind: 'status', status: 503, route: '/oauth2/revoke$' });
  try {
    const deleted = await app.api(`/api/connections/${id}`, { method: 'DELETE' });
    assert.deepEqual(await json(deleted), { connectionId: id, revocation: 'pending' });
    assert.equal((await app.services.repos.connections.findById(id))!.refresh_token_sealed, null);
  } finally {
    app.sandbox.faults.clear();
  }
});

test('wrong keys over real HTTP: the peer address is locked out with 429 and Retry-After (issue 14, point 8)', async () => {
  const safeguards = {
    ...app.services.config.safeguards,
    apiKeyLockout: { maxFailures: 2, windowMs: 60_000 },
  };
  const services = { ...app.services, config: { ...app.services.config, safeguards } };
  // Served directly, so the address is the socket's, as under `chartbridge serve`.
  const server = await startHttpServer(createHttpApp(services), { host: '127.0.0.1', port: 0 });
  try {
    const call = (key: string) =>
      fetch(`http://127.0.0.1:${server.port}/api/users/nobody/connections`, {
        headers: { authorization: `Bearer ${key}` },
      });
    assert.equal((await call(app.apiKey)).status, 200);
    assert.equal((await call('wrong-key-1')).status, 401);
    assert.equal((await call('wrong-key-2')).status, 401);
    const limited = await call(app.apiKey);
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers.get('retry-after')) >= 59, String(limited.headers.get('retry-after')));
    assert.equal(((await limited.json()) as { error: { code: string } }).error.code, 'ERR_RATE_LIMITED');
  } finally {
    await server.close();
  }
});
