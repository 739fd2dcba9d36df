import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createManualClock } from '../clock.ts';
import { createSilentLogger } from '../log/logger.ts';
import {
  buildBrandOrganization,
  buildEndpoint,
  buildFacilityOrganization,
} from '../sandbox/brands/brands-resources.ts';
import { createTestStore, testDialects } from '../testing/databases.ts';
import { createDirectoryRepository } from '../store/directory-repository.ts';
import { importDirectory, type DirectoryDeps } from './import-directory.ts';
import { buildTestBrands, toBundleText, toChunks } from '../testing/directory-bundles.ts';

const run = (deps: DirectoryDeps, text: string, allowLoopback = false) =>
  importDirectory(deps, { location: 'bad.json', chunks: toChunks(text), source: 'test', allowLoopback });

for (const dialect of testDialects) {
  test(`files that are not Bundles are refused and change nothing (case 13) on ${dialect}`, async () => {
    const { store, cleanup } = await createTestStore(dialect);
    try {
      const deps = { db: store.db, clock: createManualClock(), log: createSilentLogger() };
      await run(deps, toBundleText(buildTestBrands(1)));
      const before = await store.db.selectFrom('organizations').selectAll().orderBy('id').execute();
      const cases: Array<[string, string]> = [
        [
          '<!doctype html><html>maintenance</html>',
          'the directory file is not a FHIR Bundle (expected a JSON object)',
        ],
        ['[{"resourceType":"Bundle"}]', 'the directory file is not a FHIR Bundle (expected a JSON object)'],
        ['{"resourceType":"Patient","id":"x"}', "the directory file is not a FHIR Bundle (found 'Patient')"],
        [
          '{"type":"collection","entry":[]}',
          'the directory file is not a FHIR Bundle (found no resourceType)',
        ],
        ['', 'the directory file is empty'],
        [
          '{"resourceType":"Bundle","entry":[{"resource":{}}]} trailing',
          'the directory file has data after the end of the bundle',
        ],
        [
          '{"resourceType":"Bundle","entry":[]}',
          'the directory file has no usable endpoints: check that it is a SMART Brands or Epic Endpoint bundle',
        ],
        [
          `{"resourceType":"Bundle","entry":[${'['.repeat(100)}${']'.repeat(100)}]}`,
          'the directory file nests deeper than 64 levels',
        ],
      ];
      for (const [text, message] of cases) {
        await assert.rejects(run(deps, text), (error: Error & { code?: string }) => {
          assert.equal(error.message, message);
          assert.match(error.code!, /^ERR_DIRECTORY_(INVALID|GATE)$/);
          return true;
        });
      }
      assert.deepEqual(
        await store.db.selectFrom('organizations').selectAll().orderBy('id').execute(),
        before,
      );
    } finally {
      await cleanup();
    }
  });

  test(`http endpoints, broken references and junk entries are skipped with counts (case 13) on ${dialect}`, async () => {
    const { store, cleanup } = await createTestStore(dialect);
    try {
      const deps = { db: store.db, clock: createManualClock(), log: createSilentLogger() };
      const resources = [
        buildBrandOrganization({ id: 'ok', name: 'Okay Health', endpointId: 'ok-r4' }),
        buildEndpoint({ id: 'ok-r4', name: 'Okay', fhirBase: 'https://ok.example.org/R4', brandId: 'ok' }),
        buildBrandOrganization({ id: 'plain', name: 'Plain Health', endpointId: 'plain-r4' }),
        buildEndpoint({
          id: 'plain-r4',
          name: 'Plain',
          fhirBase: 'http://plain.example.org/R4',
          brandId: 'plain',
        }),
        buildBrandOrganization({ id: 'local', name: 'Local Sandbox', endpointId: 'local-r4' }),
        buildEndpoint({
          id: 'local-r4',
          name: 'Local',
          fhirBase: 'http://127.0.0.1:9/org/R4',
          brandId: 'local',
        }),
        buildBrandOrganization({ id: 'creds', name: 'Creds Health', endpointId: 'creds-r4' }),
        buildEndpoint({
          id: 'creds-r4',
          name: 'Creds',
          fhirBase: 'https://u:p@creds.example.org/R4',
          brandId: 'creds',
        }),
        buildBrandOrganization({ id: 'dangling', name: 'Dangling Health', endpointId: 'missing-r4' }),
        buildFacilityOrganization({ id: 'orphan', name: 'Orphan Clinic', brandId: 'no-such-brand' }),
        buildFacilityOrganization({ id: 'child', name: 'Okay Child Clinic', brandId: 'ok' }),
        { resourceType: 'Patient', id: 'p1' } as never,
        { resourceType: 'Organization', id: 'nameless' } as never,
      ];
      const report = await run(deps, toBundleText(resources));
      assert.deepEqual(report.counts, {
        entries: 13,
        organizations: 7,
        brands: 5,
        facilities: 2,
        endpoints: 1,
        skippedEndpoints: { 'not-https': 2, 'credentials-in-url': 1 },
        skippedEntries: { 'unsupported-Patient': 1, 'organization-without-name': 1 },
        brokenReferences: 2,
        organizationsWithoutEndpoint: 5,
      });
      const loopback = await run(deps, toBundleText(resources), true);
      assert.equal(loopback.counts.endpoints, 2);
      assert.deepEqual(loopback.counts.skippedEndpoints, { 'not-https': 1, 'credentials-in-url': 1 });
      const repository = createDirectoryRepository(store.db);
      const child = await repository.findEndpointForOrganization(
        report.counts && (await idOf(deps, 'Okay Child Clinic')),
      );
      assert.equal(
        child?.fhir_base,
        'https://ok.example.org/R4',
        "a facility connects through its brand's endpoint",
      );
    } finally {
      await cleanup();
    }
  });

  test(`an organisation id must come from the directory (case 15) on ${dialect}`, async () => {
    const { store, cleanup } = await createTestStore(dialect);
    try {
      const deps = { db: store.db, clock: createManualClock(), log: createSilentLogger() };
      await run(deps, toBundleText(buildTestBrands(1)));
      const repository = createDirectoryRepository(store.db);
      const granite = await idOf(deps, 'Granite Clinic');
      assert.equal(
        (await repository.findEndpointForOrganization(granite))?.fhir_base,
        'https://granite.example.org/R4',
      );
      for (const id of ['https://evil.example.org/R4', 'org_unknown', "' or 1=1 --", '', 'x'.repeat(300)]) {
        assert.equal(await repository.findEndpointForOrganization(id), undefined, id);
      }
      await importDirectory(deps, {
        location: 'v2',
        chunks: toChunks(toBundleText(buildTestBrands(2))),
        source: 'test',
        force: true,
      });
      assert.equal(
        await repository.findEndpointForOrganization(granite),
        undefined,
        'removed from the directory',
      );
    } finally {
      await cleanup();
    }
  });
}

async function idOf(deps: DirectoryDeps, name: string): Promise<string> {
  const row = await deps.db
    .selectFrom('organizations')
    .select('id')
    .where('name', '=', name)
    .executeTakeFirstOrThrow();
  return row.id;
}
