import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startPortalDouble } from '../sandbox/portal/start-portal-double.ts';
import { createTestStore, testDialects } from '../testing/databases.ts';
import { runCli } from '../testing/run-cli.ts';
import { createPortalRepository } from '../store/portal-repository.ts';
import type { Store } from '../store/database.ts';

async function addEndpoint(
  store: Store,
  id: string,
  portalOrgId: string | null,
  vendor: 'epic' | 'generic' = 'epic',
) {
  await store.db
    .insertInto('organizations')
    .values({
      id: `org-${id}`,
      name: `Hospital ${id}`,
      brand_id: null,
      kind: 'brand',
      aliases: '[]',
      city: null,
      state: null,
      postal_code: null,
      website: null,
      logo_url: null,
      portal_name: null,
      portal_url: null,
      search_text: `hospital ${id}`,
      endpoint_id: null,
      source: 'test',
      created_at: 1,
      updated_at: 1,
    })
    .execute();
  await store.db
    .insertInto('endpoints')
    .values({
      id,
      organization_id: `org-${id}`,
      fhir_base: `https://fhir.example.org/${id}/api/FHIR/R4`,
      name: `Hospital ${id}`,
      vendor,
      environment: 'production',
      client_id: null,
      portal_org_id: portalOrgId,
      status: 'active',
      source: 'test',
      created_at: 1,
      updated_at: 1,
    })
    .execute();
}

for (const dialect of testDialects) {
  describe(`chartbridge portal report (${dialect})`, () => {
    it('lists activated organisations without an endpoint and endpoints not activated', async () => {
      const { store, url, cleanup } = await createTestStore(dialect);
      // OrgIds 1000, 1007, …, 1063; the first six are activated.
      const portal = await startPortalDouble({ appId: '55', orgCount: 10, startDone: 6 });
      try {
        await addEndpoint(store, 'ep-a', '1000');
        await addEndpoint(store, 'ep-b', '1007');
        await addEndpoint(store, 'ep-c', '1042');
        await addEndpoint(store, 'ep-d', '99999');
        await addEndpoint(store, 'ep-e', null);
        await addEndpoint(store, 'ep-f', '1014', 'generic');
        assert.equal((await createPortalRepository(store.db).listEpicEndpoints()).length, 5);
        const session = portal.state.createSession();
        const env = {
          CHARTBRIDGE_DATABASE_URL: url,
          CHARTBRIDGE_PORTAL_COOKIE: `${portal.state.sessionCookieName}=${session.id}`,
          CHARTBRIDGE_PORTAL_TOKEN: session.verificationToken,
        };
        const base = ['portal', 'report', '--app-id', '55', '--portal-url', portal.url];
        const json = await runCli([...base, '--format', 'json'], { env });
        assert.equal(json.code, 0, json.stderr);
        const report = JSON.parse(json.stdout);
        assert.deepEqual(
          report.activatedWithoutEndpoint.map((row: { orgId: string }) => row.orgId),
          ['1014', '1021', '1028', '1035'],
        );
        assert.deepEqual(
          report.endpointsNotActivated.map(
            (row: { endpointId: string; reason: string; approved: number | null }) => [
              row.endpointId,
              row.reason,
              row.approved,
            ],
          ),
          [
            ['ep-c', 'not-activated', 0],
            ['ep-d', 'not-in-portal', null],
            ['ep-e', 'no-portal-org-id', null],
          ],
        );
        const csv = await runCli([...base, '--format', 'csv'], { env });
        const lines = csv.stdout.trim().split('\r\n');
        assert.equal(lines[0], 'kind,portalOrgId,name,endpointId,fhirBase,reason');
        assert.equal(lines.length, 1 + 4 + 3);
        assert.equal(
          lines[5],
          'endpoint-not-activated,1042,Hospital ep-c,ep-c,https://fhir.example.org/ep-c/api/FHIR/R4,not-activated',
        );
      } finally {
        await portal.close();
        await cleanup();
      }
    });
  });
}
