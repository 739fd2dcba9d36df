import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createManualClock } from '../../clock.ts';
import { createDirectorySearch } from '../../directory/directory-search.ts';
import { importDirectory } from '../../directory/import-directory.ts';
import { buildTestBrands, toBundleText, toChunks } from '../../testing/directory-bundles.ts';
import { createSilentLogger } from '../../log/logger.ts';
import { createTestStore } from '../../testing/databases.ts';
import { respondWithError } from '../error-response.ts';
import { createDirectoryRoutes } from './directory-routes.ts';

// The API key in front of it is the management API's (management-api.test.ts checks every /api route).
test('GET /api/directory validates q and limit, and returns ranked results (cases 15, 36)', async () => {
  const { store, cleanup } = await createTestStore('sqlite');
  const deps = { db: store.db, clock: createManualClock(), log: createSilentLogger() };
  await importDirectory(deps, {
    location: 't',
    chunks: toChunks(toBundleText(buildTestBrands(1))),
    source: 'test',
  });
  const app = new Hono();
  app.onError((error, c) => respondWithError(c, error, deps.log));
  app.route('/', createDirectoryRoutes({ directory: createDirectorySearch({ ...deps, freshnessMs: 0 }) }));
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s as Server));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const get = (query: string) => fetch(`${base}/api/directory${query}`);
  try {
    const ok = await get('?q=sumit%20madison&limit=2');
    assert.equal(ok.status, 200);
    type Result = Record<string, unknown> & { name: string; kind: string; brand: { name: string } | null };
    const body = (await ok.json()) as { results: [Result, ...Result[]] };
    assert.deepEqual(
      body.results.map((r: { name: string; kind: string; brand: { name: string } | null }) => [
        r.name,
        r.kind,
        r.brand?.name ?? null,
      ]),
      [
        ['Summit Health', 'brand', null],
        ['Summit Madison East Clinic', 'facility', 'Summit Health'],
      ],
    );
    assert.deepEqual(Object.keys(body.results[0]).sort(), [
      'brand',
      'city',
      'endpointId',
      'fhirBase',
      'kind',
      'logoUrl',
      'name',
      'organizationId',
      'portal',
      'score',
      'state',
      'vendor',
    ]);
    assert.deepEqual(body.results[0].portal, {
      name: 'Summit MyChart',
      url: 'https://mychart.summithealth.example.org/',
      orgId: '1234',
    });
    const bad: Array<[string, string]> = [
      ['?q=a&limit=0', "'limit' must be a whole number from 1 to 50"],
      ['?q=a&limit=abc', "'limit' must be a whole number from 1 to 50"],
      ['?q=a&limit=51', "'limit' must be a whole number from 1 to 50"],
      ['?q=a&q=b', "'q' must be given once"],
      [`?q=${'a'.repeat(201)}`, "'q' must be at most 200 characters"],
    ];
    for (const [query, message] of bad) {
      const response = await get(query);
      assert.equal(response.status, 400, query);
      assert.deepEqual(await response.json(), { error: { code: 'ERR_INVALID_INPUT', message } });
    }
    const injection = await get(`?q=${encodeURIComponent("summit' ; drop table organizations; --")}`);
    assert.equal(injection.status, 200);
    assert.deepEqual(
      ((await injection.json()) as { results: unknown[] }).results,
      [],
      'every word must match; the text never reaches SQL',
    );
    assert.equal((await store.db.selectFrom('organizations').select('id').execute()).length, 6);
  } finally {
    server.close();
    await cleanup();
  }
});
