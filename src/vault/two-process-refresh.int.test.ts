import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testDialects } from '../testing/databases.ts';
import { startConnectedApp, type ConnectedApp } from '../testing/connected-app.ts';
import { runCli } from '../testing/run-cli.ts';

/**
 * Case 42 with real OS processes: two `chartbridge connections refresh <id>` at the same instant. The sandbox's
 * token endpoint is slowed down so the two processes' refreshes certainly overlap (process start-up jitter is
 * larger than a refresh); the database lease must still let exactly one reach the EHR.
 */
for (const dialect of testDialects) {
  describe(`two processes refreshing one connection on ${dialect}`, () => {
    let app: ConnectedApp;
    before(async () => {
      app = await startConnectedApp({ dialect });
    });
    after(async () => {
      await app.close();
    });

    test('case 42: the EHR sees exactly one refresh; both processes end with the new token version', async () => {
      const id = await app.connectPatient(`case42-procs-${dialect}`);
      app.sandbox.faults.add({ kind: 'latency', ms: 3500, route: '/oauth2/token$' });
      try {
        for (let round = 0; round < 2; round += 1) {
          const before = (await app.services.repos.connections.findById(id))!.token_version;
          const calls = app.sandbox.tokens.tokenEndpointCalls().refresh_token;
          const results = await Promise.all(
            [0, 1].map(() => runCli(['connections', 'refresh', id, '--json'], { env: app.cliEnv })),
          );
          for (const result of results) {
            assert.equal(result.code, 0, result.stderr);
            app.secrets.assertAbsent(result.stdout + result.stderr, 'cli output');
          }
          const versions = results.map(
            (r) => (JSON.parse(r.stdout) as { tokenVersion: number }).tokenVersion,
          );
          assert.deepEqual(
            versions,
            [before + 1, before + 1],
            `round ${round}: both see the one new version`,
          );
          assert.equal(
            app.sandbox.tokens.tokenEndpointCalls().refresh_token,
            calls + 1,
            `round ${round}: one refresh`,
          );
        }
        // The stored token is the live one: the EHR accepts it.
        app.sandbox.faults.clear();
        assert.equal(typeof (await app.services.vault.getAccessToken(id)), 'string');
        await app.services.vault.refreshNow(id);
        assert.equal((await app.services.repos.connections.findById(id))!.status, 'active');
      } finally {
        app.sandbox.faults.clear();
      }
      await app.assertNoSecretsLeaked();
    });
  });
}
