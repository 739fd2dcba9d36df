import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { directoryFixturesDir } from '../sandbox/fixtures-dir.ts';
import { startConnectedApp, type ConnectedApp } from '../testing/connected-app.ts';
import { startFakeSmartServer } from '../testing/fake-smart-server.ts';
import { runCli } from '../testing/run-cli.ts';
import { waitFor } from '../testing/wait-for.ts';

let app: ConnectedApp;
let smart: Awaited<ReturnType<typeof startFakeSmartServer>>;
before(async () => {
  app = await startConnectedApp();
  smart = await startFakeSmartServer();
});
after(async () => {
  await smart.close();
  await app.close();
});

async function searchNames(query: string): Promise<string[]> {
  const response = await app.api(`/api/directory?q=${encodeURIComponent(query)}`);
  assert.equal(response.status, 200);
  const body = (await response.json()) as { results: Array<{ name: string }> };
  return body.results.map((r) => r.name);
}

test('a `directory add` in another process is searchable in the running server within 2 s', async () => {
  // The server has built and is using its index (it answers from memory, reloading when the directory changes).
  assert.deepEqual(await searchNames('zephyr'), []);
  assert.deepEqual((await searchNames('')).sort(), [
    'Lakeside Regional Medical Center',
    'Northwind General Hospital',
  ]);
  const added = await runCli(
    ['directory', 'add', '--name', 'Zephyr Valley Clinic', '--fhir-base', smart.fhirBase, '--allow-loopback'],
    { env: app.cliEnv },
  );
  assert.equal(added.code, 0, added.stderr);
  const addedAt = Date.now();
  // The very first search after the change already sees it: no stale answer while the index reloads.
  assert.deepEqual(await searchNames('zephyr'), ['Zephyr Valley Clinic']);
  assert.ok(Date.now() - addedAt < 2000, `searchable after ${Date.now() - addedAt} ms`);
  await waitFor(async () => (await searchNames('zephyr valley')).length === 1, {
    timeoutMs: 2000,
    what: 'the added clinic in search',
  });
});

test('a `directory import` in another process is searchable in the running server within 2 s', async () => {
  assert.deepEqual(await searchNames('kaiser georgia'), [], 'not in the directory before the import');
  const imported = await runCli(
    ['directory', 'import', join(directoryFixturesDir, 'epic-brands-derived-2021.json')],
    { env: app.cliEnv },
  );
  assert.equal(imported.code, 0, imported.stderr);
  const importedAt = Date.now();
  // 265 organisations reload in well under the server's bounded wait, so the first search may answer from the old
  // index only on a very slow machine; within 2 s it must list the new hospital.
  await waitFor(async () => (await searchNames('kaiser georgia'))[0] === 'Kaiser Permanente – Georgia', {
    timeoutMs: 2000,
    intervalMs: 50,
    what: 'an imported hospital in search',
  });
  assert.ok(Date.now() - importedAt < 2000, `searchable after ${Date.now() - importedAt} ms`);
});

test('adding a fhir base the directory already holds under another id is one line, not a database error', async () => {
  const fhirBase = app.sandbox.orgUrls('org-a').fhirBase;
  const again = await runCli(
    ['directory', 'add', '--name', 'Northwind again', '--fhir-base', fhirBase, '--allow-loopback'],
    { env: app.cliEnv },
  );
  assert.equal(again.code, 1);
  assert.equal(
    again.stderr,
    "chartbridge: the fhir base is already in the directory as endpoint 'sandbox-org-a' (Northwind General Hospital); search for it instead of adding it again\n",
  );
});
