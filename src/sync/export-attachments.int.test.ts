import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DialectName } from '../store/database.ts';
import { testDialects } from '../testing/databases.ts';
import { startConnectedApp, type ConnectedApp } from '../testing/connected-app.ts';
import { runCli } from '../testing/run-cli.ts';
import { runSync } from './run-sync.ts';

interface Exported {
  resourceType: string;
  id: string;
  contentType?: string;
  data?: string;
  meta?: { source?: string };
}

/** Issue 13 point 8: exports carry the attachments as Binary resources, and a Bundle's fullUrls are absolute. */
for (const dialect of testDialects) describeExport(dialect);

function describeExport(dialect: DialectName): void {
  describe(`export with attachments (${dialect})`, () => {
    let app: ConnectedApp;
    let connectionId: string;
    let fhirBase: string;
    let resources: number;
    const orgId = 'org-b';
    const username = 'lawerencebaumbach';
    let patientId: string;

    before(async () => {
      app = await startConnectedApp({ dialect });
      fhirBase = app.sandbox.orgUrls(orgId).fhirBase;
      patientId = app.sandbox.data.organization(orgId)!.patients.find((p) => p.username === username)!.id;
      connectionId = await app.connectPatient('export-user', { orgId, username });
      // Half of the documents at a vendor's own document path: keyed by hash, their url in meta.source.
      app.sandbox.faults.add({
        org: orgId,
        route: 'DiagnosticReport',
        kind: 'foreign-attachment',
        origin: `${fhirBase}/document`,
      });
      const summary = await runSync({ services: app.services, connectionId, sleep: async () => {} });
      app.sandbox.faults.clear();
      assert.equal(summary.status, 'succeeded');
      const row = await app.services.store.db
        .selectFrom('resources')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('connection_id', '=', connectionId)
        .executeTakeFirstOrThrow();
      resources = Number(row.n);
    });
    after(() => app?.close());

    /** What the sandbox holds: the bytes of every attachment of the patient's documents and reports. */
    function expectedBinaries(): Map<string, { contentType: string; data: string; path: string }> {
      const expected = new Map<string, { contentType: string; data: string; path: string }>();
      for (const type of ['DocumentReference', 'DiagnosticReport']) {
        for (const resource of app.sandbox.data.patientResources(orgId, patientId, type)) {
          const forms =
            (resource.content as Array<{ attachment: { url?: string } }> | undefined)?.map(
              (c) => c.attachment,
            ) ??
            (resource.presentedForm as Array<{ url?: string }> | undefined) ??
            [];
          for (const form of forms) {
            if (!form.url) continue;
            const binary = app.sandbox.data.read(orgId, 'Binary', form.url.slice('Binary/'.length))!;
            const path = type === 'DiagnosticReport' ? `document/${form.url}` : form.url;
            expected.set(path, {
              contentType: String(binary.contentType).split(';')[0]!,
              data: String(binary.data),
              path,
            });
          }
        }
      }
      return expected;
    }

    function checkBinaries(binaries: Exported[]): void {
      const expected = expectedBinaries();
      assert.equal(expected.size, 185);
      assert.equal(binaries.length, 185);
      for (const binary of binaries) {
        const path = binary.meta!.source!.slice(fhirBase.length + 1);
        const want = expected.get(path);
        assert.ok(want, path);
        assert.equal(binary.contentType, want.contentType);
        assert.equal(
          Buffer.from(binary.data!, 'base64').toString('base64'),
          Buffer.from(want.data, 'base64').toString('base64'),
        );
        if (path.startsWith('document/')) assert.match(binary.id, /^url-[0-9a-f]{40}$/);
        else assert.equal(`Binary/${binary.id}`, path);
      }
    }

    it('streams NDJSON with every stored resource, then every attachment as a Binary with base64 data', async () => {
      const response = await app.api(`/api/connections/${connectionId}/export?format=ndjson`);
      assert.equal(response.status, 200);
      const lines = (await response.text())
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Exported);
      assert.equal(lines.length, resources + 185);
      const binaries = lines.filter((line) => line.resourceType === 'Binary');
      assert.deepEqual(lines.slice(resources), binaries, 'the attachments follow the resources');
      checkBinaries(binaries);
      const without = await app.api(
        `/api/connections/${connectionId}/export?format=ndjson&attachments=false`,
      );
      assert.equal((await without.text()).trim().split('\n').length, resources);
      const bad = await app.api(`/api/connections/${connectionId}/export?attachments=maybe`);
      assert.equal(bad.status, 400);
      assert.equal(
        ((await bad.json()) as { error: { message: string } }).error.message,
        "'attachments' must be true or false",
      );
    });

    it('gives a Bundle absolute fullUrls under the connection’s fhir base, from the api and the cli', async () => {
      const bundle = (await (
        await app.api(`/api/connections/${connectionId}/export?format=bundle`)
      ).json()) as { entry: Array<{ fullUrl: string; resource: Exported }> };
      assert.equal(bundle.entry.length, resources + 185);
      for (const { fullUrl, resource } of bundle.entry)
        assert.equal(fullUrl, `${fhirBase}/${resource.resourceType}/${resource.id}`);
      checkBinaries(bundle.entry.map((e) => e.resource).filter((r) => r.resourceType === 'Binary'));

      const cli = await runCli(['export', connectionId, '--format', 'bundle'], { env: app.cliEnv });
      assert.equal(cli.code, 0, cli.stderr);
      const fromCli = JSON.parse(cli.stdout) as { entry: Array<{ fullUrl: string }> };
      assert.deepEqual(
        fromCli.entry.map((e) => e.fullUrl),
        bundle.entry.map((e) => e.fullUrl),
      );
      const bare = await runCli(['export', connectionId, '--format', 'ndjson', '--no-attachments'], {
        env: app.cliEnv,
      });
      assert.equal(bare.code, 0, bare.stderr);
      assert.equal(bare.stdout.trim().split('\n').length, resources);
      assert.ok(!bare.stdout.includes('"resourceType":"Binary"'));
    });
  });
}
