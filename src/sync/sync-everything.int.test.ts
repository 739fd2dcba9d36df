import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEMO_CLIENT_ID } from '../cli/demo-setup.ts';
import { startConnectedApp, type ConnectedApp } from '../testing/connected-app.ts';
import { testDialects } from '../testing/databases.ts';
import type { CoverageReport } from './coverage.ts';
import { runSync } from './run-sync.ts';
import { storedRecord } from '../testing/sync/compare-with-sandbox.ts';
import { PAYER_TYPES, startPayerServer, type PayerServer } from '../testing/sync/payer-server.ts';

/** A payer's API that answers only `Patient/{id}/$everything` (REAL-WORLD.md "Payers and HIEs"). */
for (const dialect of testDialects) {
  describe(`$everything at a payer (${dialect})`, () => {
    let app: ConnectedApp;
    let payer: PayerServer;
    let connectionId: string;
    const orgId = 'org-b';
    const username = 'vitofeeney';
    let patientId: string;
    const fastSleep = async () => undefined;
    const sync = (full = true) =>
      runSync({ services: app.services, connectionId, full, sleep: fastSleep, syncLimits: { pageSize: 50 } });

    before(async () => {
      app = await startConnectedApp({ dialect });
      patientId = app.sandbox.data.organization(orgId)!.patients.find((p) => p.username === username)!.id;
      payer = await startPayerServer(app.sandbox, orgId);
      connectionId = await app.connectPatient('payer-user', { orgId, username });
      // The same grant, pointed at the payer's API, which the directory lists as a payer (`--kind payer`).
      const connection = await app.services.repos.connections.findById(connectionId);
      await app.services.store.db
        .updateTable('endpoints')
        .set({ kind: 'payer', vendor: 'generic', client_id: DEMO_CLIENT_ID })
        .where('id', '=', connection!.endpoint_id)
        .execute();
      await app.services.store.db
        .updateTable('connections')
        .set({ fhir_base: payer.fhirBase })
        .where('id', '=', connectionId)
        .execute();
    });
    after(async () => {
      await payer.close();
      await app.close();
    });

    async function storedCounts(): Promise<Map<string, number>> {
      const counts = new Map<string, number>();
      for (const key of (await storedRecord(app.services.store, connectionId)).keys()) {
        const type = key.split('/')[0]!;
        counts.set(type, (counts.get(type) ?? 0) + 1);
      }
      return counts;
    }
    const held = (type: string) => app.sandbox.data.patientResources(orgId, patientId, type).length;

    it('pages through $everything, stores each entry by its type, then searches only the types it lacked', async () => {
      const summary = await sync();
      assert.equal(summary.status, 'succeeded');
      const byKey = new Map(summary.queries.map((q) => [q.key, q]));
      const everything = byKey.get('Patient:$everything')!;
      const total = 1 + PAYER_TYPES.reduce((sum, type) => sum + held(type), 0);
      assert.deepEqual(
        [everything.status, everything.resources, everything.pages],
        ['done', total, Math.ceil(total / 50)],
      );
      assert.deepEqual(
        [byKey.get('Patient')?.status, byKey.get('Patient')?.httpStatus],
        ['not_available', 404],
      );
      assert.deepEqual([byKey.get('Coverage')?.status, byKey.get('Coverage')?.resources], ['done', 1]);
      // Types $everything brought are not searched again; the others answer 404: not available, never failed.
      const searched = payer.requests
        .filter((path) => /^\/[A-Za-z]+\?/.test(path))
        .map((p) => p.slice(1, p.indexOf('?')));
      assert.equal(searched.includes('ExplanationOfBenefit'), false);
      assert.equal(searched.includes('Encounter'), false);
      assert.equal(searched.includes('Goal'), true);
      assert.equal(byKey.get('Goal')?.status, 'not_available');
      assert.equal(summary.queries.filter((q) => q.status === 'failed').length, 0);
      const counts = await storedCounts();
      for (const type of PAYER_TYPES) assert.equal(counts.get(type), held(type), type);
      assert.deepEqual(
        [counts.get('Patient'), counts.get('Coverage'), counts.get('Organization')],
        [1, 1, 1],
      );
      const coverage = (await (
        await app.api(`/api/connections/${connectionId}/coverage`)
      ).json()) as CoverageReport;
      const entries = new Map(coverage.entries.map((e) => [e.key, e]));
      assert.deepEqual(
        [entries.get('Patient:$everything')?.status, entries.get('Patient:$everything')?.resources],
        ['received', total],
      );
      assert.equal(entries.get('Goal')?.status, 'unsupported');
    });

    it('removes what vanished from a complete $everything, and nothing while it is unfinished', async () => {
      const [gone] = app.sandbox.data.patientResources(orgId, patientId, 'ExplanationOfBenefit');
      payer.omit.add(`ExplanationOfBenefit/${gone!.id}`);
      assert.equal((await sync()).status, 'succeeded');
      assert.equal((await storedCounts()).get('ExplanationOfBenefit'), held('ExplanationOfBenefit') - 1);

      const [second] = app.sandbox.data.patientResources(orgId, patientId, 'Claim').slice(-1);
      payer.omit.add(`Claim/${second!.id}`);
      payer.brokenPages.add(2);
      const broken = await sync();
      assert.equal(broken.status, 'partial');
      assert.equal(broken.queries.find((q) => q.key === 'Patient:$everything')?.status, 'failed');
      const counts = await storedCounts();
      assert.equal(counts.get('Claim'), held('Claim'));
      assert.equal(counts.get('Encounter'), held('Encounter'));
      assert.equal(counts.get('ExplanationOfBenefit'), held('ExplanationOfBenefit') - 1);
      assert.equal(counts.get('Coverage'), 1);
    });
  });
}
