import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startConnectedApp } from '../testing/connected-app.ts';

test('the whole flow: connect session → EHR sign-in → active connection with sealed tokens', async () => {
  const app = await startConnectedApp();
  try {
    const connectionId = await app.connectPatient('user-1');
    const response = await app.api('/api/users/user-1/connections');
    assert.equal(response.status, 200);
    const body = (await response.json()) as { connections: Array<Record<string, unknown>> };
    assert.equal(body.connections.length, 1);
    const connection = body.connections[0]!;
    assert.equal(connection.id, connectionId);
    assert.equal(connection.status, 'active');
    assert.equal(connection.refreshable, true);
    assert.equal(typeof connection.patientId, 'string');
    assert.ok((connection.scopes as string[]).includes('patient/Observation.read'));
    assert.ok(connection.persistentAccessEndsAt, 'persistent-access end from introspection');
    const token = await app.services.vault.getAccessToken(connectionId);
    assert.ok(app.secrets.secrets.has(token));
    await app.assertNoSecretsLeaked([JSON.stringify(body)]);
  } finally {
    await app.close();
  }
});
