import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createManualClock } from '../clock.ts';
import { createSilentLogger } from '../log/logger.ts';
import { startSandbox, type Sandbox } from '../sandbox/sandbox.ts';
import { buildBrandOrganization, buildEndpoint } from '../sandbox/brands/brands-resources.ts';
import { createTestStore } from '../testing/databases.ts';
import { checkDirectoryEndpoints } from './check-endpoints.ts';
import { createDirectorySearch } from './directory-search.ts';
import { importDirectory, type DirectoryDeps } from './import-directory.ts';
import { addManualEntry } from './manual-entry.ts';
import { toBundleText, toChunks } from '../testing/directory-bundles.ts';
import { importDirectoryFromUrl } from './update-directory.ts';

async function withSandbox(
  work: (sandbox: Sandbox, deps: DirectoryDeps & { fetch: typeof fetch }) => Promise<void>,
) {
  const sandbox = await startSandbox();
  const { store, cleanup } = await createTestStore('sqlite');
  try {
    await work(sandbox, { db: store.db, clock: createManualClock(), log: createSilentLogger(), fetch });
  } finally {
    await sandbox.close();
    await cleanup();
  }
}

test("the sandbox's /brands.json imports (loopback allowed), finds its hospitals, and an unchanged re-download is skipped", async () => {
  await withSandbox(async (sandbox, deps) => {
    const url = `${sandbox.url}/brands.json`;
    await assert.rejects(importDirectoryFromUrl(deps, { url, source: 'sandbox' }), {
      code: 'ERR_INVALID_INPUT',
      message: 'the directory url must use https (got http)',
    });
    const first = await importDirectoryFromUrl(deps, {
      url,
      source: 'sandbox',
      allowLoopback: true,
      skipUnchanged: true,
    });
    assert.equal(first.status, 'imported');
    const orgs = sandbox.orgs();
    assert.ok(orgs.length >= 2);
    assert.equal(first.status === 'imported' && first.counts.endpoints, orgs.length);
    const search = createDirectorySearch({ ...deps, freshnessMs: 0 });
    for (const org of orgs) {
      const [hit] = await search.search(org.name, { limit: 1 });
      assert.deepEqual([hit?.name, hit?.fhirBase], [org.name, org.fhirBase]);
    }
    const second = await importDirectoryFromUrl(deps, {
      url,
      source: 'sandbox',
      allowLoopback: true,
      skipUnchanged: true,
    });
    assert.deepEqual([second.status, second.contentHash], ['unchanged', first.contentHash]);
    const checks = await checkDirectoryEndpoints({ db: deps.db, fetch });
    assert.deepEqual(
      checks.map((c) => c.ok),
      orgs.map(() => true),
    );
  });
});

test('without allowLoopback the sandbox bundle has no usable endpoint and the import is refused with counts (case 13)', async () => {
  await withSandbox(async (sandbox, deps) => {
    const text = await (await fetch(`${sandbox.url}/brands.json`)).text();
    await assert.rejects(
      importDirectory(deps, { location: 'brands.json', chunks: toChunks(text), source: 'sandbox' }),
      {
        code: 'ERR_DIRECTORY_GATE',
        message:
          'the directory file has no usable endpoints: check that it is a SMART Brands or Epic Endpoint bundle',
      },
    );
    const endpoints = await deps.db.selectFrom('endpoints').select('id').execute();
    assert.equal(endpoints.length, 0);
  });
});

test('manual entries are validated by SMART discovery before anything is stored, and join search', async () => {
  await withSandbox(async (sandbox, deps) => {
    const org = sandbox.orgs()[0]!;
    await assert.rejects(
      addManualEntry(deps, {
        name: 'Nowhere Clinic',
        fhirBase: `${sandbox.url}/nowhere/api/FHIR/R4`,
        allowLoopback: true,
      }),
      {
        code: 'ERR_DISCOVERY_FAILED',
      },
    );
    await assert.rejects(addManualEntry(deps, { name: 'Plain Clinic', fhirBase: org.fhirBase }), {
      code: 'ERR_INVALID_INPUT',
      message: 'the fhir base must use https',
    });
    await assert.rejects(addManualEntry(deps, { name: '', fhirBase: org.fhirBase }), {
      code: 'ERR_INVALID_INPUT',
    });
    assert.equal((await deps.db.selectFrom('organizations').select('id').execute()).length, 0);

    const added = await addManualEntry(deps, {
      name: 'Hilltop Community Clinic',
      fhirBase: `${org.fhirBase}/`,
      clientId: 'hilltop-client',
      city: 'Fargo',
      state: 'ND',
      allowLoopback: true,
    });
    assert.deepEqual([added.fhirBase, added.issuer], [org.fhirBase, org.issuer]);
    const [hit] = await createDirectorySearch({ ...deps, freshnessMs: 0 }).search('hiltop fargo');
    assert.deepEqual(
      [hit?.organizationId, hit?.endpointId, hit?.state],
      [added.organizationId, added.endpointId, 'ND'],
    );
    const endpoint = await deps.db
      .selectFrom('endpoints')
      .selectAll()
      .where('id', '=', added.endpointId)
      .executeTakeFirstOrThrow();
    assert.deepEqual(
      [endpoint.client_id, endpoint.source, endpoint.vendor, endpoint.kind],
      ['hilltop-client', 'manual', 'generic', 'provider'],
    );

    const payer = await addManualEntry(deps, {
      name: 'Prairie Health Plan',
      fhirBase: sandbox.orgs()[1]!.fhirBase,
      kind: 'payer',
      allowLoopback: true,
    });
    assert.equal(payer.kind, 'payer');
    const payerRow = await deps.db
      .selectFrom('endpoints')
      .select('kind')
      .where('id', '=', payer.endpointId)
      .executeTakeFirstOrThrow();
    assert.equal(payerRow.kind, 'payer');

    // --scope-version: stored, kept when the entry is written again without it, replaced when given.
    const scopeVersionOf = async () =>
      (
        await deps.db
          .selectFrom('endpoints')
          .select('scope_version')
          .where('id', '=', added.endpointId)
          .executeTakeFirstOrThrow()
      ).scope_version;
    assert.equal(await scopeVersionOf(), null);
    const again = { name: 'Hilltop Community Clinic', fhirBase: org.fhirBase, allowLoopback: true };
    await addManualEntry(deps, { ...again, scopeVersion: 'v2' });
    assert.equal(await scopeVersionOf(), 'v2');
    await addManualEntry(deps, again);
    assert.equal(await scopeVersionOf(), 'v2');
    await addManualEntry(deps, { ...again, scopeVersion: 'v1' });
    assert.equal(await scopeVersionOf(), 'v1');
  });
});

test('directory check flags endpoints whose discovery fails', async () => {
  await withSandbox(async (sandbox, deps) => {
    const org = sandbox.orgs()[0]!;
    const text = toBundleText([
      buildBrandOrganization({ id: 'good', name: 'Good Hospital', endpointId: 'good-r4' }),
      buildEndpoint({ id: 'good-r4', name: 'Good', fhirBase: org.fhirBase, brandId: 'good' }),
      buildBrandOrganization({ id: 'gone', name: 'Gone Hospital', endpointId: 'gone-r4' }),
      buildEndpoint({
        id: 'gone-r4',
        name: 'Gone',
        fhirBase: `${sandbox.url}/gone/api/FHIR/R4`,
        brandId: 'gone',
      }),
    ]);
    await importDirectory(deps, { location: 't', chunks: toChunks(text), source: 't', allowLoopback: true });
    const checks = await checkDirectoryEndpoints({ db: deps.db, fetch });
    const byName = Object.fromEntries(checks.map((c) => [c.name, c.ok]));
    assert.deepEqual(byName, { Good: true, Gone: false });
    assert.match(checks.find((c) => !c.ok)!.reason!, /gone/);
  });
});
