import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { DEMO_CLIENT_ID } from '../cli/demo-setup.ts';
import { startConnectedApp, type ConnectedApp } from '../testing/connected-app.ts';
import { testDialects } from '../testing/databases.ts';
import type { CoverageReport } from './coverage.ts';
import { runSync } from './run-sync.ts';
import { storedRecord } from '../testing/sync/compare-with-sandbox.ts';

/** Types whose stored count must equal what the sandbox holds for the patient, whatever the plan. */
const COUNTED = [
  'Observation',
  'Condition',
  'CarePlan',
  'Media',
  'Coverage',
  'Encounter',
  'DocumentReference',
];

/**
 * The generic plan against the sandbox's real behaviour (REAL-WORLD.md "Searches"): a plain Observation or
 * CarePlan search is HTTP 400 (59108 "Either a code or a category is required", 59159), a /metadata that answers
 * 401, a Patient read that answers 404.
 */
for (const dialect of testDialects) {
  describe(`generic plan on real server answers (${dialect})`, () => {
    let app: ConnectedApp;
    let users = 0;
    const orgId = 'org-a';
    const username = 'lucienbosco';
    let patientId: string;
    const fastSleep = async () => undefined;

    before(async () => {
      app = await startConnectedApp({ dialect });
      patientId = app.sandbox.data.organization(orgId)!.patients.find((p) => p.username === username)!.id;
    });
    afterEach(() => app.sandbox.faults.clear());
    after(async () => {
      await app.close();
    });

    /** A fresh connection whose endpoint the directory calls a generic SMART server (with its own client id). */
    async function connectGeneric(): Promise<string> {
      users += 1;
      const id = await app.connectPatient(`plan-user-${users}`, { orgId, username });
      const connection = await app.services.repos.connections.findById(id);
      await app.services.store.db
        .updateTable('endpoints')
        .set({ vendor: 'generic', client_id: DEMO_CLIENT_ID })
        .where('id', '=', connection!.endpoint_id)
        .execute();
      return id;
    }

    async function assertCounts(connectionId: string): Promise<Map<string, number>> {
      const stored = new Map<string, number>();
      for (const key of (await storedRecord(app.services.store, connectionId)).keys()) {
        const type = key.split('/')[0]!;
        stored.set(type, (stored.get(type) ?? 0) + 1);
      }
      for (const type of COUNTED) {
        const held = app.sandbox.data.patientResources(orgId, patientId, type).length;
        assert.equal(stored.get(type) ?? 0, held, type);
      }
      return stored;
    }

    it('fans out by US Core category where the server asks for one; coverage shows the categories', async () => {
      const id = await connectGeneric();
      const summary = await runSync({ services: app.services, connectionId: id, sleep: fastSleep });
      assert.equal(summary.status, 'succeeded');
      const byKey = new Map(summary.queries.map((q) => [q.key, q]));
      assert.equal(byKey.get('Observation')?.httpStatus, 400);
      assert.equal(
        byKey.get('Observation')?.reason,
        'rejected by the server (http 400): fatal 59108: Either a code or a category is required.',
      );
      assert.equal(byKey.get('Observation:laboratory')?.status, 'done');
      assert.equal(summary.queries.filter((q) => q.key.startsWith('Observation:')).length, 17);
      assert.equal(byKey.get('CarePlan:38717003')?.status, 'done');
      // The sandbox lists `_revinclude=Provenance:target`: Provenance comes with the searches.
      assert.match(
        app.sandbox.requestLog.entries().find((e) => e.url.includes('/Media?'))?.url ?? '',
        /_revinclude=Provenance%3Atarget/,
      );
      const stored = await assertCounts(id);
      assert.equal(stored.get('Provenance'), 1);
      // Read by reference: the sandbox's patient points at a RelatedPerson no search brings.
      assert.equal(stored.get('RelatedPerson'), 1);
      const coverage = (await (await app.api(`/api/connections/${id}/coverage`)).json()) as CoverageReport;
      const entries = new Map(coverage.entries.map((e) => [e.key, e]));
      assert.equal(entries.has('Observation'), false);
      assert.equal(entries.has('CarePlan'), false);
      assert.equal(entries.get('Observation:laboratory')?.status, 'received');
      assert.equal(entries.get('Media')?.status, 'received');
    });

    it("falls back to US Core's searches when /metadata answers 401, and to Patient?_id= when the read is 404", async () => {
      const id = await connectGeneric();
      app.sandbox.faults.add({ org: orgId, route: '/R4/metadata$', kind: 'status', status: 401 });
      app.sandbox.faults.add({ org: orgId, route: '/R4/Patient/[^/]+$', kind: 'status', status: 404 });
      const refreshes = app.sandbox.tokens.tokenEndpointCalls().refresh_token;
      const summary = await runSync({ services: app.services, connectionId: id, sleep: fastSleep });
      assert.equal(summary.status, 'succeeded');
      assert.equal(app.sandbox.tokens.tokenEndpointCalls().refresh_token - refreshes, 1);
      assert.ok(
        summary.warnings.includes(
          "the capability statement could not be read; asked for US Core's patient searches instead",
        ),
      );
      const byKey = new Map(summary.queries.map((q) => [q.key, q]));
      assert.deepEqual(
        [
          byKey.get('Patient')?.httpStatus,
          byKey.get('Patient:_id')?.status,
          byKey.get('Patient:_id')?.resources,
        ],
        [404, 'done', 1],
      );
      for (const type of [
        'MedicationStatement',
        'MedicationAdministration',
        'ExplanationOfBenefit',
        'Provenance',
      ])
        assert.deepEqual(
          [byKey.get(type)?.status, byKey.get(type)?.httpStatus],
          ['not_available', 404],
          type,
        );
      assert.equal(byKey.get('Observation:vital-signs')?.status, 'done');
      const stored = await assertCounts(id);
      assert.equal(stored.get('Patient'), 1);
      const coverage = (await (await app.api(`/api/connections/${id}/coverage`)).json()) as CoverageReport;
      const entries = new Map(coverage.entries.map((e) => [e.key, e]));
      assert.equal(entries.has('Patient'), false);
      assert.equal(entries.get('Patient:_id')?.status, 'received');
      assert.equal(entries.get('MedicationStatement')?.status, 'unsupported');
    });
  });
}
