import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSealer } from '../src/crypto/sealer.ts';
import { createClientAssertion } from '../src/keys/client-assertion.ts';
import { loadKeyStore } from '../src/keys/key-store.ts';
import { systemClock } from '../src/clock.ts';
import { openStore } from '../src/store/database.ts';
import { cliPath, runCli } from '../src/testing/run-cli.ts';
import { createBrowser } from '../src/testing/test-browser.ts';
import { waitFor } from '../src/testing/wait-for.ts';

/**
 * The "Done when" script, done the way curl would: `chartbridge demo --auto-approve` in an empty folder
 * with CHARTBRIDGE_API_KEY set; find the hospitals, create a connect session, follow it with `&org=`, land on
 * an active connection; `connections refresh` rotates; the old refresh token is dead; `disconnect` revokes.
 */
test('done-when: demo in an empty folder, connect with plain HTTP, refresh rotates, disconnect revokes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'chartbridge-demo-'));
  const [port, sandboxPort] = [await freePort(), await freePort()];
  const apiKey = 'e2e-api-key-0123456789abcdef';
  const env = { ...process.env, CHARTBRIDGE_API_KEY: apiKey, CHARTBRIDGE_LOG_LEVEL: 'warn' };
  const demo = spawn(
    process.execPath,
    [cliPath, 'demo', '--auto-approve', '--port', String(port), '--sandbox-port', String(sandboxPort)],
    { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  demo.stdout.on('data', (chunk) => (output += chunk));
  demo.stderr.on('data', (chunk) => (output += chunk));
  const base = `http://127.0.0.1:${port}`;
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${base}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    });
  try {
    await waitFor(() => output.includes('chartbridge demo ready'), {
      timeoutMs: 30_000,
      what: 'the demo banner',
    });
    assert.equal(statSync(join(dir, 'data/encryption.key')).mode & 0o777, 0o600);
    // The directory answers the picker's searches; the sandbox hospitals are in it.
    // An empty query lists every connectable hospital: the two sandbox hospitals.
    const everything = await api('/api/directory?q=');
    assert.equal(everything.status, 200);
    const directory = (await everything.json()) as {
      results: Array<{ organizationId: string; name: string; fhirBase: string }>;
    };
    const sandboxHospitals = directory.results.filter((r) =>
      r.fhirBase.startsWith(`http://127.0.0.1:${sandboxPort}/`),
    );
    assert.deepEqual(sandboxHospitals.map((r) => r.name).sort(), [
      'Lakeside Regional Medical Center',
      'Northwind General Hospital',
    ]);
    const orgIds = sandboxHospitals.map((r) => r.organizationId);

    const [first, second] = [await connect(api, 'alice', orgIds[0]!), await connect(api, 'bob', orgIds[0]!)];
    const listed = (await (await api('/api/users/alice/connections')).json()) as {
      connections: Array<{ id: string; status: string }>;
    };
    assert.deepEqual(
      listed.connections.map((c) => [c.id, c.status]),
      [[first, 'active']],
    );

    const ehr = createEhrProbe(dir);
    const oldRefresh = await ehr.refreshTokenOf(first);
    const refreshed = await runCli(['connections', 'refresh', first, '--json'], { cwd: dir, env });
    assert.equal(refreshed.code, 0, refreshed.stderr);
    assert.notEqual(await ehr.refreshTokenOf(first), oldRefresh, 'the refresh token rotated');
    assert.equal(
      await ehr.tryRefresh(first, oldRefresh),
      400,
      'a second refresh with the old token is impossible',
    );

    const secondRefresh = await ehr.refreshTokenOf(second);
    const disconnected = await runCli(['connections', 'disconnect', second, '--json'], { cwd: dir, env });
    assert.equal(disconnected.code, 0, disconnected.stderr);
    assert.equal(JSON.parse(disconnected.stdout).revocation, 'revoked');
    assert.equal(await ehr.tryRefresh(second, secondRefresh), 400, 'the revoked grant no longer refreshes');
    await ehr.close();
  } finally {
    demo.kill('SIGTERM');
    const code = await new Promise((resolve) => demo.once('exit', resolve));
    assert.equal(code, 0, output);
    rmSync(dir, { recursive: true, force: true });
  }
});

async function connect(
  api: (path: string, init?: RequestInit) => Promise<Response>,
  userId: string,
  orgId: string,
): Promise<string> {
  const session = (await (
    await api('/api/connect-sessions', { method: 'POST', body: JSON.stringify({ userId }) })
  ).json()) as { url: string };
  const browser = createBrowser();
  const url = `${session.url}?org=${encodeURIComponent(orgId)}`;
  let current = url;
  for (let hop = 0; hop < 10; hop += 1) {
    const response = await browser.get(current);
    const location = response.headers.get('location');
    if (!location) {
      assert.equal(response.status, 200);
      assert.match(current, /\/connected\/ln_/);
      break;
    }
    current = new URL(location, current).toString();
  }
  const listed = (await (await api(`/api/users/${userId}/connections`)).json()) as {
    connections: Array<{ id: string; status: string }>;
  };
  assert.equal(listed.connections[0]?.status, 'active');
  return listed.connections[0]!.id;
}

/** Reads the demo's own files the way an operator could, to talk to the sandbox EHR directly. */
function createEhrProbe(dir: string) {
  const store = openStore(`sqlite:${join(dir, 'data/chartbridge.db')}`);
  const sealer = createSealer(readFileSync(join(dir, 'data/encryption.key'), 'utf8').trim());
  return {
    async refreshTokenOf(id: string): Promise<string> {
      const row = await store.db
        .selectFrom('connections')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      return sealer.unseal(row.refresh_token_sealed!, `connections/${id}/refresh_token_sealed`);
    },
    async tryRefresh(id: string, refreshToken: string): Promise<number> {
      const row = await store.db
        .selectFrom('connections')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      const keys = await loadKeyStore({ keysDir: join(dir, 'data/keys'), clock: systemClock });
      const assertion = await createClientAssertion({
        key: keys.activeKey(),
        clientId: row.client_id,
        tokenEndpoint: row.token_endpoint,
        clock: systemClock,
      });
      const response = await fetch(row.token_endpoint, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: refreshToken,
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: assertion,
        }),
      });
      const body = (await response.json()) as { error?: string };
      assert.equal(body.error, 'invalid_grant');
      return response.status;
    },
    close: () => store.close(),
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
