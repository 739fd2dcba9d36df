import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createSealer, generateEncryptionKey } from '../crypto/sealer.ts';
import { startConnectedApp, noJobs, type ConnectedApp } from '../testing/connected-app.ts';
import { testDialects } from '../testing/databases.ts';
import { runCli } from '../testing/run-cli.ts';
import { createVault } from './vault.ts';

const WRONG_KEY_LINE =
  'chartbridge: CHARTBRIDGE_ENCRYPTION_KEY opens none of the stored tokens: set it to the key they were sealed with (to rotate, list the new key first: new,old); nothing was changed\n';

for (const dialect of testDialects) {
  describe(`a wrong CHARTBRIDGE_ENCRYPTION_KEY is harmless on ${dialect}`, () => {
    let app: ConnectedApp;
    let first: string;
    let second: string;
    /** After the rotation in the first test: tokens sealed with its first key, the original key second. */
    let ring: string;
    before(async () => {
      app = await startConnectedApp({ dialect, jobs: noJobs });
      first = await app.connectPatient('wrong-key-1');
      second = await app.connectPatient('wrong-key-2');
    });
    after(() => app.close());

    /** Everything a wrong key could have changed: rows, leases, failure counters, the audit trail. */
    async function snapshot() {
      const rows = await app.services.store.db.selectFrom('connections').selectAll().orderBy('id').execute();
      const audit = await app.services.repos.audit.listAll();
      return { rows, auditCount: audit.length };
    }

    it('serve, worker and the token commands refuse to start, name the variable, change nothing', async () => {
      const before = await snapshot();
      const env = { ...app.cliEnv, CHARTBRIDGE_ENCRYPTION_KEY: generateEncryptionKey(), PORT: '0' };
      const runs = [
        ['serve', '--port', '0'],
        ['worker'],
        ['connections', 'refresh', first],
        ['connections', 'disconnect', first],
        ['connections', 'erase', first, '--yes'],
        ['connections', 'sync', first],
        ['keys', 'reseal'],
      ];
      for (const args of runs) {
        const result = await runCli(args, { env });
        assert.deepEqual([args.join(' '), result.code, result.stderr], [args.join(' '), 2, WRONG_KEY_LINE]);
      }
      assert.deepEqual(await snapshot(), before);
      // The right key, and a rotation ring whose second key is the right one, pass the check.
      ring = `${generateEncryptionKey()},${app.cliEnv.CHARTBRIDGE_ENCRYPTION_KEY}`;
      const resealed = await runCli(['keys', 'reseal'], {
        env: { ...app.cliEnv, CHARTBRIDGE_ENCRYPTION_KEY: ring },
      });
      assert.equal(resealed.code, 0, resealed.stderr);
      assert.match(resealed.stdout, /^re-sealed 6 of 6 sealed values; 0 unreadable\n$/);
    });

    it('a process already running with a wrong key refuses a refresh and leaves the connection active', async () => {
      const row = (await app.services.repos.connections.findById(second))!;
      const vault = createVault({ ...app.services, sealer: createSealer(generateEncryptionKey()) });
      await assert.rejects(vault.refreshNow(second), {
        code: 'ERR_ENCRYPTION_KEY_INVALID',
        message: WRONG_KEY_LINE.slice('chartbridge: '.length, -1),
      });
      const after = (await app.services.repos.connections.findById(second))!;
      assert.deepEqual(
        [after.status, after.token_version, after.refresh_failures, after.refresh_lease_owner],
        ['active', row.token_version, 0, null],
      );
    });

    it('key_error marks only a value that fails while the same key opens the others', async () => {
      const other = (await app.services.repos.connections.findById(second))!;
      // A value copied from another row fails its binding: damaged, while the key still opens the others.
      await app.services.store.db
        .updateTable('connections')
        .set({ refresh_token_sealed: other.refresh_token_sealed, access_expires_at: 0 })
        .where('id', '=', first)
        .execute();
      const result = await runCli(['connections', 'refresh', first], {
        env: { ...app.cliEnv, CHARTBRIDGE_ENCRYPTION_KEY: ring },
      });
      assert.deepEqual(
        [result.code, result.stderr],
        [
          1,
          `chartbridge: tokens of connection '${first}' cannot be decrypted; check CHARTBRIDGE_ENCRYPTION_KEY\n`,
        ],
      );
      const statuses = await Promise.all(
        [first, second].map(async (id) => (await app.services.repos.connections.findById(id))!.status),
      );
      assert.deepEqual(statuses, ['key_error', 'active']);
    });
  });
}
