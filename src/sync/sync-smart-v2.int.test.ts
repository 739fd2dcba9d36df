import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEMO_CLIENT_ID } from '../cli/demo-setup.ts';
import { createRandomToken, hashSecret } from '../connect/secrets.ts';
import { readCategoryCodes } from '../sandbox/data/epic-shape.ts';
import { startConnectedApp, type ConnectedApp } from '../testing/connected-app.ts';
import { testDialects } from '../testing/databases.ts';
import type { CoverageReport } from './coverage.ts';
import { isNotShared } from './grant-filter.ts';
import { runSync } from './run-sync.ts';
import { storedRecord } from '../testing/sync/compare-with-sandbox.ts';

const LAB = 'http://terminology.hl7.org/CodeSystem/observation-category|laboratory';
const orgId = 'org-a';

/**
 * Issue 18: a SMART App Launch 2.0 server (sandbox profile smart-v2). chartbridge asks in v2 where discovery lists
 * permission-v2; a patient who unticks everything but lab results gets their labs only and a coverage page that
 * says what they chose not to share; the same patient with a full grant gets the whole record; a v1 registration
 * works when the endpoint is set to v1, and a mismatch ends in one line naming the fix.
 */
for (const dialect of testDialects) {
  describe(`SMART v2 and granular scopes against the smart-v2 profile (${dialect})`, () => {
    let app: ConnectedApp;
    let username: string;
    let patientId: string;

    before(async () => {
      app = await startConnectedApp({ dialect, sandboxOptions: { profile: 'smart-v2' } });
      await app.services.store.db.updateTable('endpoints').set({ client_id: DEMO_CLIENT_ID }).execute();
      const patient = app.sandbox.data.organization(orgId)!.patients[1]!;
      username = patient.username;
      patientId = patient.id;
    });
    after(async () => {
      await app.assertNoSecretsLeaked();
      await app.close();
    });

    async function connectAndSync(userId: string) {
      const connectionId = await app.connectPatient(userId, { orgId, username });
      const connection = (await app.services.repos.connections.findById(connectionId))!;
      const summary = await runSync({ services: app.services, connectionId, sleep: async () => undefined });
      const stored = new Set((await storedRecord(app.services.store, connectionId)).keys());
      const expected = app.sandbox
        .expectedRecord(orgId, patientId, connection.scope)
        .filter((entry) => entry.resourceType !== 'Binary')
        .map((entry) => `${entry.resourceType}/${entry.id}`);
      return { connectionId, connection, summary, stored, expected };
    }

    it('full v2 grant: asks patient/X.rs and stores the whole record', async () => {
      const { connection, summary, stored, expected } = await connectAndSync('full-grant');
      assert.ok(connection.scope.includes('patient/Observation.rs'));
      assert.ok(!connection.scope.includes('.read'));
      assert.deepEqual(
        summary.queries.filter((q) => q.status === 'failed'),
        [],
      );
      assert.ok(expected.length > 300, String(expected.length));
      assert.deepEqual(
        expected.filter((key) => !stored.has(key)),
        [],
      );
      // Nothing the patient held back (ImagingStudy stays "not granted": chartbridge never asks for it).
      assert.deepEqual(
        summary.queries.filter((q) => isNotShared(q.reason)).map((q) => q.key),
        [],
      );
    });

    it('granular grant (labs only): syncs labs only, and coverage says what the patient did not share', async () => {
      app.sandbox.auth.setConsent(['Observation:laboratory']);
      const secret = createRandomToken();
      try {
        const { connectionId, connection, summary, stored, expected } = await connectAndSync(
          `browser-${hashSecret(secret).slice(0, 24)}`,
        );
        assert.equal(
          connection.scope,
          `openid fhirUser launch/patient patient/Patient.rs patient/Observation.rs?category=${LAB}`,
        );
        // Only the searches the grant covers: the Patient and lab results (no 403 asked for).
        const searched = summary.queries
          .filter((q) => q.status !== 'not_granted' && !q.key.startsWith('~'))
          .map((q) => q.key);
        assert.deepEqual(searched.sort(), ['Observation:laboratory', 'Patient']);
        assert.equal(summary.queries.filter((q) => q.httpStatus === 403).length, 0);
        const labs = app.sandbox.data
          .patientResources(orgId, patientId, 'Observation')
          .filter((o) => readCategoryCodes(o).includes('laboratory'));
        assert.ok(labs.length > 0);
        const storedObservations = [...stored].filter((key) => key.startsWith('Observation/'));
        assert.deepEqual(storedObservations.sort(), labs.map((o) => `Observation/${o.id}`).sort());
        assert.deepEqual(
          expected.filter((key) => !stored.has(key)),
          [],
        );
        assert.ok(![...stored].some((key) => key.startsWith('Condition/') || key.startsWith('Encounter/')));

        const response = await app.api(`/api/connections/${connectionId}/coverage`);
        const report = (await response.json()) as CoverageReport;
        const status = new Map(report.entries.map((e) => [e.key, e.status]));
        assert.equal(status.get('Observation:laboratory'), 'received');
        assert.equal(status.get('Observation:vital-signs'), 'not_shared');
        assert.equal(status.get('Condition'), 'not_shared');
        assert.equal(status.get('MedicationRequest'), 'not_shared');

        const owner = app.newBrowser();
        owner.cookies.set('cb_user', secret);
        const html = await (await owner.get(`${app.url}/my/coverage`)).text();
        assert.ok(html.includes(`<li>Lab results: ${labs.length}</li>`), html);
        for (const label of ['Vital signs', 'Problems and diagnoses', 'Medicines prescribed'])
          assert.ok(
            html.includes(`<li>${label}: you chose not to share this when you connected</li>`),
            label,
          );
      } finally {
        app.sandbox.auth.setConsent(undefined);
      }
    });

    it('v1 registration against the v2 server: the endpoint set to v1 asks patient/X.read and gets the record', async () => {
      app.sandbox.clients.update(DEMO_CLIENT_ID, { scopeVersion: 'v1' });
      const endpoints = app.services.store.db.updateTable('endpoints');
      try {
        // Asked in v2 (auto) at a v1 registration: refused, in one line naming the fix.
        const { browser, callbackUrl } = await app.beginLaunch('v1-mismatch', { orgId, username });
        assert.equal(new URL(callbackUrl).searchParams.get('error'), 'invalid_scope');
        const refused = await browser.get(callbackUrl);
        assert.equal(refused.status, 400);
        assert.ok((await refused.text()).includes('--scope-version v1|v2'));

        await endpoints.set({ scope_version: 'v1' }).execute();
        const { connection, summary, stored, expected } = await connectAndSync('v1-registration');
        assert.ok(connection.scope.includes('patient/Observation.read'));
        assert.ok(!connection.scope.includes('.rs'));
        assert.equal(summary.queries.filter((q) => q.status === 'failed').length, 0);
        assert.deepEqual(
          expected.filter((key) => !stored.has(key)),
          [],
        );
      } finally {
        app.sandbox.clients.update(DEMO_CLIENT_ID, { scopeVersion: undefined });
        await app.services.store.db.updateTable('endpoints').set({ scope_version: null }).execute();
      }
    });
  });
}
