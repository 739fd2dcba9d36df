import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createManualClock } from '../clock.ts';
import { createSilentLogger } from '../log/logger.ts';
import { writeSyntheticBrandsBundle } from '../sandbox/brands/generate-brands-bundle.ts';
import { createTestStore, testDialects } from '../testing/databases.ts';
import { createDirectorySearch } from './directory-search.ts';
import { importDirectory } from './import-directory.ts';

for (const dialect of testDialects) {
  test(`a generated Brands bundle (facilities partOf brands, portal OrgIds) imports and searches on ${dialect}`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chartbridge-generated-'));
    const { store, cleanup } = await createTestStore(dialect);
    try {
      const file = join(dir, 'brands.json');
      const summary = await writeSyntheticBrandsBundle(file, { organizations: 3000, endpoints: 40, seed: 3 });
      assert.deepEqual(
        [summary.organizations, summary.brands, summary.facilities, summary.endpoints],
        [3000, 44, 2956, 40],
      );
      const deps = { db: store.db, clock: createManualClock(), log: createSilentLogger() };
      const report = await importDirectory(deps, { location: file, chunks: createReadStream(file) });
      assert.deepEqual(
        [
          report.source,
          report.counts.organizations,
          report.counts.brands,
          report.counts.facilities,
          report.counts.endpoints,
        ],
        ['epic-brands', 3000, 44, 2956, 40],
      );
      assert.equal(report.counts.brokenReferences, 0);
      // The 4 brands activated without an endpoint, and their facilities, are not connectable.
      const unreachable = await store.db
        .selectFrom('organizations')
        .select('id')
        .where('endpoint_id', 'is', null)
        .execute();
      assert.equal(report.counts.organizationsWithoutEndpoint, unreachable.length);
      assert.ok(unreachable.length > 4);

      const search = createDirectorySearch({ ...deps, freshnessMs: 0 });
      const kaiser = await search.search('kaiser georgia', { limit: 3 });
      assert.equal(kaiser[0]!.name, 'Kaiser Permanente – Georgia');
      assert.deepEqual(
        [kaiser[0]!.kind, kaiser[0]!.portal.orgId, kaiser[0]!.city],
        ['brand', '2000', 'Atlanta'],
      );
      assert.deepEqual(
        kaiser.slice(1).map((r) => [r.kind, r.brand?.name, r.endpointId]),
        [
          ['facility', 'Kaiser Permanente – Georgia', kaiser[0]!.endpointId],
          ['facility', 'Kaiser Permanente – Georgia', kaiser[0]!.endpointId],
        ],
      );
      assert.equal(
        (await search.search('childrenscolorado.org', { limit: 1 }))[0]!.name,
        "Children's Hospital Colorado",
      );
      assert.equal((await search.search('mayo clnic', { limit: 1 }))[0]!.name, 'Mayo Clinic');
    } finally {
      await cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
