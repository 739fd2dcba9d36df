import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEMO_CLIENT_ID } from '../cli/demo-setup.ts';
import { startConnectedApp, type ConnectedApp } from '../testing/connected-app.ts';
import { testDialects } from '../testing/databases.ts';
import { runSync, type SyncSummary } from './run-sync.ts';
import { storedRecord } from '../testing/sync/compare-with-sandbox.ts';

/**
 * The plan against the sandbox profiles that fail clients the way real servers do (docs/sandbox.md "Profiles"):
 * every resource the server lets the grant obtain is stored (attachments are checked elsewhere). org-a runs
 * the profile under test, org-b the payer (`everything-only`, whose org-b has no Patient read at all).
 */
const PROFILES = ['category-required', 'sparse-capability', 'sparse-capability-401', 'sparse-capability-500'];

for (const dialect of testDialects) {
  for (const profile of PROFILES) {
    describe(`the plan on the ${profile} and everything-only profiles (${dialect})`, () => {
      let app: ConnectedApp;

      before(async () => {
        app = await startConnectedApp({
          dialect,
          sandboxOptions: { profile, orgProfiles: { 'org-b': 'everything-only' } },
        });
        // The generic and payer profiles need a client id of their own at the endpoint.
        await app.services.store.db.updateTable('endpoints').set({ client_id: DEMO_CLIENT_ID }).execute();
      });
      after(async () => {
        await app.close();
      });

      async function syncAndCompare(orgId: string): Promise<SyncSummary> {
        const username = app.sandbox.data.organization(orgId)!.patients[0]!.username;
        const id = await app.connectPatient(`${orgId}-${username}`, { orgId, username });
        const connection = await app.services.repos.connections.findById(id);
        const summary = await runSync({
          services: app.services,
          connectionId: id,
          sleep: async () => undefined,
        });
        const stored = new Set((await storedRecord(app.services.store, id)).keys());
        const expected = app.sandbox
          .expectedRecord(orgId, connection!.patient_id, connection!.scope)
          .filter((entry) => entry.resourceType !== 'Binary')
          .map((entry) => `${entry.resourceType}/${entry.id}`);
        assert.ok(expected.length > 0);
        assert.deepEqual(
          expected.filter((key) => !stored.has(key)),
          [],
          `${orgId}: every obtainable resource stored`,
        );
        return summary;
      }

      it(`${profile}: stores the whole obtainable record`, async () => {
        const summary = await syncAndCompare('org-a');
        assert.equal(summary.queries.filter((q) => q.status === 'failed').length, 0);
        const byKey = new Map(summary.queries.map((q) => [q.key, q]));
        // Observation by patient alone is refused in the server's words (Epic-like 59108 or HAPI's "does not
        // know how to handle"); the category searches bring it.
        const refuses = profile === 'category-required' || profile === 'sparse-capability';
        assert.equal(byKey.get('Observation')?.httpStatus, refuses ? 400 : 200);
        assert.equal(byKey.get('Observation:laboratory')?.status, refuses ? 'done' : undefined);
        if (profile === 'category-required') {
          // Listed but never searchable (500 every time): not available, and the run still completes.
          assert.equal(byKey.get('MedicationStatement')?.status, 'not_available');
        }
      });
      if (profile === PROFILES[0]) {
        it('everything-only: pages $everything, no Patient read, and stores the whole obtainable record', async () => {
          const summary = await syncAndCompare('org-b');
          const byKey = new Map(summary.queries.map((q) => [q.key, q]));
          assert.equal(byKey.get('Patient:$everything')?.status, 'done');
          assert.equal(summary.queries.filter((q) => q.status === 'failed').length, 0);
        });
      }
    });
  }
}
