import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { withManualSyncLease } from '../jobs/manual-sync-lease.ts';
import type { Store } from '../store/database.ts';
import { runSync } from '../sync/run-sync.ts';
import { noJobs, startConnectedApp, type ConnectedApp } from '../testing/connected-app.ts';
import { testDialects } from '../testing/databases.ts';
import { runCli } from '../testing/run-cli.ts';
import { waitFor } from '../testing/wait-for.ts';

/** What an erase must leave at zero: the connection's copied data. */
async function copiedData(store: Store, connectionId: string) {
  const count = async (table: 'resources' | 'binaries' | 'sync_runs') =>
    Number(
      (
        await store.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .where('connection_id', '=', connectionId)
          .executeTakeFirstOrThrow()
      ).n,
    );
  return {
    resources: await count('resources'),
    binaries: await count('binaries'),
    runs: await count('sync_runs'),
  };
}

for (const dialect of testDialects) {
  describe(`erase by API and CLI on ${dialect}`, () => {
    let app: ConnectedApp;
    before(async () => {
      app = await startConnectedApp({ dialect, jobs: noJobs, sandboxOptions: { pageSize: 10 } });
    });
    after(() => app.close());

    async function syncedConnection(userId: string, orgId?: string) {
      const id = await app.connectPatient(userId, orgId ? { orgId } : {});
      await runSync({ services: app.services, connectionId: id });
      const before = await copiedData(app.services.store, id);
      assert.ok(before.resources > 0 && before.runs === 1, JSON.stringify(before));
      return { id, before };
    }

    it('DELETE /api/connections/:id?erase=true revokes, deletes every copy and audits the counts', async () => {
      const { id, before } = await syncedConnection('erase-api');
      assert.equal((await app.api(`/api/connections/${id}?erase=maybe`, { method: 'DELETE' })).status, 400);
      const response = await app.api(`/api/connections/${id}?erase=true`, { method: 'DELETE' });
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), { connectionId: id, revocation: 'revoked', ...before });
      assert.deepEqual(await copiedData(app.services.store, id), { resources: 0, binaries: 0, runs: 0 });
      const row = (await app.services.repos.connections.findById(id))!;
      assert.deepEqual(
        [row.status, row.status_reason, row.access_token_sealed, row.refresh_token_sealed],
        ['revoked', 'erased', null, null],
      );
      const audit = await app.services.repos.audit.listForConnection(id);
      assert.deepEqual(
        [audit.at(-1)!.action, JSON.parse(audit.at(-1)!.detail)],
        ['connection.erased', { revocation: 'revoked', ...before }],
      );
      // Erasing again finds nothing to revoke and nothing left.
      const again = await app.api(`/api/connections/${id}?erase=true`, { method: 'DELETE' });
      assert.deepEqual(await again.json(), {
        connectionId: id,
        revocation: 'nothing',
        resources: 0,
        binaries: 0,
        runs: 0,
      });
      await app.assertNoSecretsLeaked();
    });

    it('DELETE /api/users/:userId erases every connection of the user', async () => {
      const a = await syncedConnection('erase-user', 'org-a');
      const b = await syncedConnection('erase-user', 'org-b');
      const missing = await app.api('/api/users/nobody-here', { method: 'DELETE' });
      assert.deepEqual(
        [missing.status, await missing.json()],
        [404, { error: { code: 'ERR_NOT_FOUND', message: "user 'nobody-here' has no connections" } }],
      );
      const response = await app.api('/api/users/erase-user', { method: 'DELETE' });
      const body = (await response.json()) as {
        userId: string;
        connections: Array<{ connectionId: string }>;
      };
      assert.deepEqual(body.connections.map((c) => c.connectionId).sort(), [a.id, b.id].sort());
      for (const { id } of [a, b])
        assert.deepEqual(await copiedData(app.services.store, id), { resources: 0, binaries: 0, runs: 0 });
    });

    it('chartbridge connections erase: asks first, --yes skips the prompt, --json for scripts', async () => {
      const { id, before } = await syncedConnection('erase-cli');
      const help = await runCli(['connections', 'erase', '--help'], { env: app.cliEnv });
      assert.equal(help.code, 0);
      assert.match(help.stdout, /--yes +do not ask for confirmation/);
      const declined = await runCli(['connections', 'erase', id], { env: app.cliEnv, input: 'no\n' });
      assert.deepEqual(
        [declined.code, declined.stderr.split('\n').at(-2)],
        [
          1,
          `erase every resource, binary and run of connection '${id}' and revoke its grant? type yes to go on: chartbridge: erase of connection '${id}' not confirmed; nothing was changed (answer 'yes', or pass --yes)`,
        ],
      );
      const closedStdin = await runCli(['connections', 'erase', id], { env: app.cliEnv });
      assert.equal(closedStdin.code, 1);
      assert.deepEqual(await copiedData(app.services.store, id), before);
      const erased = await runCli(['connections', 'erase', id, '--yes', '--json'], { env: app.cliEnv });
      assert.equal(erased.code, 0, erased.stderr);
      assert.deepEqual(JSON.parse(erased.stdout), { connectionId: id, revocation: 'revoked', ...before });
      assert.deepEqual(await copiedData(app.services.store, id), { resources: 0, binaries: 0, runs: 0 });
      const unknown = await runCli(['connections', 'erase', 'con_nope', '--yes'], { env: app.cliEnv });
      assert.deepEqual(
        [unknown.code, unknown.stderr],
        [1, "chartbridge: connection 'con_nope' not found; list them with 'chartbridge connections list'\n"],
      );
    });

    it('an erase during a sync in flight: no page lands after it', async () => {
      const id = await app.connectPatient('erase-in-flight');
      // Every FHIR answer takes 150 ms: the sync is mid-way through its pages when the erase lands.
      app.sandbox.faults.add({ kind: 'latency', ms: 150, route: '/api/FHIR/R4/' });
      try {
        const sync = withManualSyncLease(app.services, id, ({ fence, signal }) =>
          runSync({ services: app.services, connectionId: id, fence, signal }),
        ).then(
          () => 'finished',
          (error: { code?: string }) => error.code ?? 'unknown',
        );
        await waitFor(async () => (await copiedData(app.services.store, id)).resources > 0, {
          what: 'first page stored',
          timeoutMs: 30_000,
        });
        const response = await app.api(`/api/connections/${id}?erase=true`, { method: 'DELETE' });
        assert.equal(response.status, 200);
        const outcome = await sync;
        // Cut either at a page commit (its fence is void) or at its next request (the tokens are gone first).
        assert.ok(['ERR_LEASE_LOST', 'ERR_SYNC_FAILED'].includes(outcome), outcome);
        const row = (await app.services.repos.connections.findById(id))!;
        assert.deepEqual([row.status, row.status_reason], ['revoked', 'erased']);
        assert.deepEqual(await copiedData(app.services.store, id), { resources: 0, binaries: 0, runs: 0 });
      } finally {
        app.sandbox.faults.clear();
      }
    });
  });
}
