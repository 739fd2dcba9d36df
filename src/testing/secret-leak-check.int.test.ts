import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { sql } from 'kysely';
import { createJobQueue } from '../jobs/create-job-queue.ts';
import type { JobPayload } from '../jobs/job-queue.ts';
import { createSilentLogger } from '../log/logger.ts';
import { noJobs, startConnectedApp } from './connected-app.ts';
import { testDialects } from './databases.ts';

/** The leak check itself must be able to fail: a token in a job payload, a private key or the encryption key in a log. */
for (const dialect of testDialects) {
  test(`the secret-leak check finds a token in a job payload and key material in the logs (${dialect})`, async () => {
    const app = await startConnectedApp({ dialect, jobs: noJobs });
    try {
      const connectionId = await app.connectPatient('leak-check');
      const token = await app.services.vault.getAccessToken(connectionId);
      const queue = createJobQueue({
        store: app.services.store,
        databaseUrl: app.cliEnv.CHARTBRIDGE_DATABASE_URL!,
        clock: app.services.clock,
        log: createSilentLogger(),
      });
      await queue.start();
      try {
        // A careless caller putting the token beside the id: the payload type forbids it, the check catches it.
        await queue.send('sync', { connectionId, token } as JobPayload);
      } finally {
        await queue.stop();
      }
      await assert.rejects(app.assertNoSecretsLeaked(), /appears in job payloads/);
      if (dialect === 'sqlite') await app.services.store.db.deleteFrom('jobs').execute();
      else await sql`delete from pgboss.job`.execute(app.services.store.db);
      await app.assertNoSecretsLeaked();

      const dir = app.cliEnv.CHARTBRIDGE_KEYS_DIR!;
      const pem = readFileSync(
        join(
          dir,
          readdirSync(dir).find((f) => f.endsWith('.pem'))!,
        ),
        'utf8',
      );
      for (const leaked of [pem.split('\n')[5]!, app.cliEnv.CHARTBRIDGE_ENCRYPTION_KEY!]) {
        app.logs.push(`{"msg":"oops","detail":"${leaked}"}`);
        await assert.rejects(app.assertNoSecretsLeaked(), /appears in the logs/);
        app.logs.pop();
      }
      await app.assertNoSecretsLeaked();
    } finally {
      await app.close();
    }
  });
}
