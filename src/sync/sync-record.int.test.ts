import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startConnectedApp, type ConnectedApp } from '../testing/connected-app.ts';
import { runSync } from './run-sync.ts';
import { assertRecordMatchesSandbox } from '../testing/sync/compare-with-sandbox.ts';

describe('sync against the sandbox: every fixture patient, exactly', () => {
  let app: ConnectedApp;
  before(async () => {
    app = await startConnectedApp();
  });
  after(async () => {
    await app.close();
  });

  it('stores exactly the resources the sandbox holds for the granted types, with identical content', async () => {
    let user = 0;
    for (const org of app.sandbox.orgs()) {
      for (const patient of app.sandbox.data.organization(org.id)!.patients) {
        user += 1;
        const connectionId = await app.connectPatient(`user-${user}`, {
          orgId: org.id,
          username: patient.username,
        });
        const summary = await runSync({ services: app.services, connectionId });
        assert.equal(summary.status, 'succeeded', `${patient.username}: ${summary.reason}`);
        const count = await assertRecordMatchesSandbox(
          app.services.store,
          app.sandbox,
          connectionId,
          org.id,
          patient.id,
        );
        assert.ok(count > 1, patient.username);
      }
    }
    assert.ok(user >= 10);
    const foreignBearer = app.sandbox.requestLog
      .entries()
      .filter((e) => e.bearer && !e.url.includes('/api/FHIR/R4') && !e.url.includes('/oauth2/'));
    assert.deepEqual(foreignBearer, []);
    await app.assertNoSecretsLeaked();
  });

  it('a full re-sync with one query lane finishes with the same record (windowed searches never wait on an unstarted one)', async () => {
    const org = app.sandbox.orgs()[1]!;
    const connectionId = await app.connectPatient('one-lane-user', { orgId: org.id, username: 'vitofeeney' });
    const lanes = { queryConcurrency: 1 };
    assert.equal(
      (await runSync({ services: app.services, connectionId, syncLimits: lanes })).status,
      'succeeded',
    );
    const full = await runSync({ services: app.services, connectionId, full: true, syncLimits: lanes });
    assert.equal(full.status, 'succeeded');
    const patientId = app.sandbox.data
      .organization(org.id)!
      .patients.find((p) => p.username === 'vitofeeney')!.id;
    await assertRecordMatchesSandbox(app.services.store, app.sandbox, connectionId, org.id, patientId);
  });
});
