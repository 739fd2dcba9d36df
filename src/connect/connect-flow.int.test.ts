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

test('a facility of the directory connects through its brand’s endpoint', async () => {
  const app = await startConnectedApp();
  try {
    const org = app.sandbox.orgs()[1]!;
    const now = app.services.clock.now();
    await app.services.store.db
      .insertInto('organizations')
      .values({
        id: 'facility-north-clinic',
        name: 'North Clinic',
        brand_id: `sandbox-${org.id}`,
        kind: 'facility',
        aliases: '[]',
        city: 'Springfield',
        state: 'IL',
        postal_code: null,
        website: null,
        logo_url: null,
        portal_name: null,
        portal_url: null,
        search_text: 'north clinic springfield il',
        endpoint_id: `sandbox-${org.id}`,
        source: 'manual',
        created_at: now,
        updated_at: now,
      })
      .execute();
    const connectionId = await app.connectPatient('facility-user', {
      orgId: org.id,
      organizationId: 'facility-north-clinic',
    });
    const row = await app.services.repos.connections.findById(connectionId);
    assert.deepEqual([row?.endpoint_id, row?.fhir_base], [`sandbox-${org.id}`, org.fhirBase]);
  } finally {
    await app.close();
  }
});
