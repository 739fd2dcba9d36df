import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createManualClock } from '../clock.ts';
import { createSilentLogger } from '../log/logger.ts';
import { createTestStore } from '../testing/databases.ts';
import { waitFor } from '../testing/wait-for.ts';
import { createDirectorySearch } from './directory-search.ts';
import { importDirectory } from './import-directory.ts';
import { buildTestBrands, toBundleText, toChunks } from '../testing/directory-bundles.ts';

test('after an import a reload slower than the wait answers from the old index until the new one is loaded', async () => {
  const { store, cleanup } = await createTestStore('sqlite');
  try {
    const deps = { db: store.db, clock: createManualClock(), log: createSilentLogger() };
    const run = (version: 1 | 2) =>
      importDirectory(deps, {
        location: 't',
        chunks: toChunks(toBundleText(buildTestBrands(version))),
        source: 't',
        force: true,
      });
    await run(1);
    // No wait at all: every reload is "slower than the wait", as for a huge directory.
    const search = createDirectorySearch({
      ...deps,
      freshnessMs: 0,
      staleWhileReloading: true,
      reloadWaitMs: 0,
    });
    const names = async (q: string) => (await search.search(q, { limit: 1 })).map((r) => r.name);
    assert.deepEqual(await names('summit'), ['Summit Health'], 'the first search waits for the first index');
    await run(2);
    assert.deepEqual(await names('partners'), [], 'answered at once from the previous index (old names)');
    await waitFor(async () => (await names('partners'))[0] === 'Summit Health Partners', {
      what: 'the new index',
    });
    await assert.rejects(search.search('x'.repeat(201)), {
      code: 'ERR_INVALID_INPUT',
      message: 'the search text must be at most 200 characters',
    });
  } finally {
    await cleanup();
  }
});

test('after an import the next search waits for a quick reload and already sees the change', async () => {
  const { store, cleanup } = await createTestStore('sqlite');
  try {
    const deps = { db: store.db, clock: createManualClock(), log: createSilentLogger() };
    const run = (version: 1 | 2) =>
      importDirectory(deps, {
        location: 't',
        chunks: toChunks(toBundleText(buildTestBrands(version))),
        source: 't',
        force: true,
      });
    await run(1);
    const search = createDirectorySearch({ ...deps, freshnessMs: 0, staleWhileReloading: true });
    const names = async (q: string) => (await search.search(q, { limit: 1 })).map((r) => r.name);
    assert.deepEqual(await names('summit'), ['Summit Health']);
    await run(2);
    assert.deepEqual(await names('partners'), ['Summit Health Partners']);
    assert.equal(await search.warm(), 5, 'version 2 lists five searchable organisations');
  } finally {
    await cleanup();
  }
});
