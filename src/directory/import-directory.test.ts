import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { createManualClock } from '../clock.ts';
import { createSilentLogger } from '../log/logger.ts';
import { directoryFixturesDir } from '../sandbox/fixtures-dir.ts';
import { createTestStore, testDialects } from '../testing/databases.ts';
import type { Store } from '../store/database.ts';
import { createDirectorySearch } from './directory-search.ts';
import { importDirectory, type DirectoryDeps, type ImportInput } from './import-directory.ts';
import { buildTestBrands, toBundleText, toChunks } from '../testing/directory-bundles.ts';

function createDeps(store: Store): DirectoryDeps {
  return { db: store.db, clock: createManualClock(), log: createSilentLogger() };
}

function importText(deps: DirectoryDeps, text: string, options: Partial<ImportInput> = {}) {
  return importDirectory(deps, { location: 'test.json', chunks: toChunks(text), source: 'test', ...options });
}

function importFixture(deps: DirectoryDeps, file: string) {
  return importDirectory(deps, {
    location: file,
    chunks: createReadStream(join(directoryFixturesDir, file)),
  });
}

async function firstNames(deps: DirectoryDeps, queries: string[]) {
  const search = createDirectorySearch({ ...deps, freshnessMs: 0 });
  const names: Record<string, string | undefined> = {};
  for (const q of queries) names[q] = (await search.search(q, { limit: 5 }))[0]?.name;
  return names;
}

for (const dialect of testDialects) {
  test(`both Epic fixture files import, share their endpoints, and patients' searches find the right brand on ${dialect}`, async () => {
    const { store, cleanup } = await createTestStore(dialect);
    try {
      const deps = createDeps(store);
      const brands = await importFixture(deps, 'epic-brands-derived-2021.json');
      const legacy = await importFixture(deps, 'epic-r4-endpoint-bundle-2021.json');
      assert.equal(brands.source, 'epic-brands');
      assert.equal(legacy.source, 'epic-endpoints');
      for (const report of [brands, legacy]) {
        assert.equal(report.counts.organizations, 265);
        assert.equal(report.counts.endpoints, 254);
        // 11 organisations share a server with another one (UCSF, Bronson, NewYork-Presbyterian, Cigna, McFarland).
        assert.deepEqual(report.counts.skippedEndpoints, { duplicate: 11 });
        assert.equal(report.counts.brokenReferences, 0);
      }
      assert.equal(brands.counts.entries, 530);
      const endpoints = await store.db
        .selectFrom('endpoints')
        .select('id')
        .where('status', '=', 'active')
        .execute();
      assert.equal(endpoints.length, 254, 'the two sources publish the same 254 servers: one row each');
      assert.deepEqual(
        await firstNames(deps, [
          'kaiser georgia',
          'childrens colorado',
          'geisenger',
          'chicago',
          'kiaser oregon',
        ]),
        {
          'kaiser georgia': 'Kaiser Permanente – Georgia',
          'childrens colorado': "Children's Hospital Colorado",
          geisenger: 'Geisinger',
          chicago: "Ann & Robert H. Lurie Children's Hospital of Chicago",
          'kiaser oregon': 'Kaiser Permanente – Oregon – SW Washington',
        },
      );
      const kaiser = await createDirectorySearch({ ...deps, freshnessMs: 0 }).search('kaiser georgia', {
        limit: 10,
      });
      assert.equal(
        kaiser.filter((r) => r.name === 'Kaiser Permanente – Georgia').length,
        1,
        'shown once across sources',
      );
      assert.equal(
        kaiser[0]!.fhirBase,
        'https://fhir.kp.org/service/ptnt_care/EpicEdiFhirRoutingSvc/v2014/esb-envlbl/200/api/FHIR/R4',
      );
    } finally {
      await cleanup();
    }
  });

  test(`an update keeps endpoint ids, reports the diff, and refuses a >20% endpoint drop without force on ${dialect}`, async () => {
    const { store, cleanup } = await createTestStore(dialect);
    try {
      const deps = createDeps(store);
      const first = await importText(deps, toBundleText(buildTestBrands(1)));
      assert.deepEqual(
        [first.counts.organizations, first.counts.brands, first.counts.facilities, first.counts.endpoints],
        [6, 3, 3, 3],
      );
      const before = await store.db
        .selectFrom('endpoints')
        .select(['id', 'fhir_base', 'status'])
        .orderBy('fhir_base')
        .execute();

      await assert.rejects(importText(deps, toBundleText(buildTestBrands(2))), {
        code: 'ERR_DIRECTORY_GATE',
        message:
          "the new directory has 2 endpoints where 'test' has 3 (a drop of more than 20%): the current directory " +
          'stays; run again with --force if this is expected',
      });
      assert.equal(
        (await firstNames(deps, ['granite']))['granite'],
        'Granite Clinic',
        'the refused update changed nothing',
      );

      const second = await importText(deps, toBundleText(buildTestBrands(2)), { force: true });
      assert.deepEqual(second.diff, {
        added: 0,
        removed: 1,
        renamed: 1,
        moved: 1,
        endpointsAdded: 0,
        endpointsRemoved: 1,
        examples: {
          added: [],
          removed: ['Granite Clinic'],
          renamed: ['Summit Health → Summit Health Partners'],
          moved: ['Summit Northfield Pediatrics'],
        },
      });
      const after = await store.db
        .selectFrom('endpoints')
        .select(['id', 'fhir_base', 'status'])
        .orderBy('fhir_base')
        .execute();
      assert.deepEqual(
        after,
        before.map((e) =>
          e.fhir_base === 'https://granite.example.org/R4' ? { ...e, status: 'removed' } : e,
        ),
        'same ids; the dropped endpoint is marked removed, never deleted, so connections still resolve it',
      );
      const results = await createDirectorySearch({ ...deps, freshnessMs: 0 }).search(
        'northfield pediatrics',
      );
      assert.equal(results[0]!.brand?.name, 'Lakeview Medical Center');
      assert.equal(results[0]!.fhirBase, 'https://ehr.lakeview.example.org/FHIR/R4');
      assert.deepEqual(await firstNames(deps, ['granite']), { granite: undefined });
    } finally {
      await cleanup();
    }
  });

  test(`a failing import leaves the live directory exactly as it was (case 13, atomic swap) on ${dialect}`, async () => {
    const { store, cleanup } = await createTestStore(dialect);
    try {
      const deps = createDeps(store);
      await importFixture(deps, 'epic-brands-derived-2021.json');
      const snapshot = async () => ({
        organizations: await store.db.selectFrom('organizations').selectAll().orderBy('id').execute(),
        endpoints: await store.db.selectFrom('endpoints').selectAll().orderBy('id').execute(),
      });
      const before = await snapshot();
      const text = await new Response(
        createReadStream(join(directoryFixturesDir, 'epic-brands-derived-2021.json')) as never,
      ).text();
      // The second half of the file never arrives (a dropped download), and a corrupt entry deep inside.
      const truncated = text.slice(0, Math.floor(text.length * 0.7));
      await assert.rejects(importText(deps, truncated, { source: 'epic-brands' }), {
        code: 'ERR_DIRECTORY_INVALID',
        message: 'the directory file ends before the bundle is complete (truncated download?)',
      });
      const corrupt = text.replace('"Kelsey-Seybold Clinic"', '"Kelsey-Seybold Clinic" oops');
      await assert.rejects(importText(deps, corrupt, { source: 'epic-brands' }), {
        code: 'ERR_DIRECTORY_INVALID',
        message: 'the directory file has invalid JSON in entry 5',
      });
      assert.deepEqual(await snapshot(), before);
      const staged = await store.db.selectFrom('directory_staging_organizations').select('id').execute();
      assert.equal(staged.length, 0, 'staging rows of failed imports are discarded');
      const log = await store.db
        .selectFrom('directory_imports')
        .select(['status', 'error'])
        .orderBy('started_at')
        .execute();
      assert.deepEqual(log.map((l) => l.status).sort(), ['failed', 'failed', 'succeeded']);
      assert.equal((await firstNames(deps, ['kelsey']))['kelsey'], 'Kelsey-Seybold Clinic');
    } finally {
      await cleanup();
    }
  });
}

for (const dialect of testDialects) {
  test(`re-importing the same file with --environment/--vendor applies them to its endpoints on ${dialect}`, async () => {
    const { store, cleanup } = await createTestStore(dialect);
    try {
      const deps = createDeps(store);
      const text = toBundleText(buildTestBrands(1));
      const kinds = async () =>
        (
          await store.db
            .selectFrom('endpoints')
            .select(['vendor', 'environment'])
            .where('source', '=', 'test')
            .execute()
        ).map((e) => `${e.vendor}/${e.environment}`);
      await importText(deps, text);
      assert.deepEqual(await kinds(), ['epic/production', 'epic/production', 'epic/production']);
      await importText(deps, text, { environment: 'non-production' });
      assert.deepEqual(await kinds(), ['epic/non-production', 'epic/non-production', 'epic/non-production']);
      await importText(deps, text, { vendor: 'generic', environment: 'production' });
      assert.deepEqual(await kinds(), ['generic/production', 'generic/production', 'generic/production']);
    } finally {
      await cleanup();
    }
  });
}
