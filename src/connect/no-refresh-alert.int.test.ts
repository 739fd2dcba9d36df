import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startConnectedApp, noJobs } from '../testing/connected-app.ts';
import { testDialects } from '../testing/databases.ts';
import { NO_REFRESH_TOKEN_HINT } from './save-connection.ts';

test('a grant without a refresh token raises an operator alert naming the registration fix', async () => {
  // The EHR gives no refresh token: persistent access is not enabled, or the patient chose "just this once".
  const app = await startConnectedApp({ sandboxOptions: { autoApprovePeriod: 'none' }, jobs: noJobs });
  try {
    const id = await app.connectPatient('one-time-user');
    const view = (await (await app.api(`/api/connections/${id}`)).json()) as { refreshable: boolean };
    assert.equal(view.refreshable, false);
    const events = await app.services.repos.audit.listForConnection(id);
    const alerts = events.filter((e) => e.action === 'operator.alert');
    assert.equal(alerts.length, 1);
    assert.deepEqual(JSON.parse(String(alerts[0]!.detail)), {
      code: 'ERR_NOT_REFRESHABLE',
      endpointId: 'sandbox-org-a',
      hint: NO_REFRESH_TOKEN_HINT,
    });
    assert.ok(app.logs.some((line) => line.includes('"msg":"no refresh token granted"')));

    // With persistent access granted, no alert.
    app.sandbox.auth.setAutoApprove(true, '3mo');
    const lasting = await app.connectPatient('lasting-user');
    const lastingEvents = await app.services.repos.audit.listForConnection(lasting);
    assert.deepEqual(
      lastingEvents.filter((e) => e.action === 'operator.alert'),
      [],
    );
  } finally {
    await app.close();
  }
});

for (const dialect of testDialects) {
  test(`/operator lists the alert per hospital with the fix, and none for a lasting grant (${dialect})`, async () => {
    const app = await startConnectedApp({
      dialect,
      sandboxOptions: { autoApprovePeriod: 'none' },
      jobs: noJobs,
    });
    try {
      const operator = app.newBrowser();
      await operator.post(`${app.url}/operator/login`, { apiKey: app.apiKey });
      const before = await (await operator.get(`${app.url}/operator`)).text();
      assert.ok(before.includes('No registration problem in the last 30 days.'));
      await app.connectPatient('once-a');
      await app.connectPatient('once-b');
      app.sandbox.auth.setAutoApprove(true, '3mo');
      await app.connectPatient('lasting');
      const html = await (await operator.get(`${app.url}/operator`)).text();
      const rows = [...html.matchAll(/<tr data-alert="([A-Z_]+)">([\s\S]*?)<\/tr>/g)];
      assert.deepEqual(
        rows.map((r) => r[1]),
        ['ERR_NOT_REFRESHABLE'],
      );
      const cells = [...rows[0]![2]!.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) => c[1]!);
      assert.equal(cells[0], 'Northwind General Hospital');
      assert.equal(cells[2], '2', 'two connections without a refresh token, the lasting one not counted');
      assert.ok(cells[4]!.startsWith('The EHR granted no refresh token'));
    } finally {
      await app.close();
    }
  });
}
