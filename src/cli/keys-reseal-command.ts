import type { Command } from 'commander';
import { loadConfig } from '../config/config.ts';
import { resealStoredSecrets } from '../vault/reseal-secrets.ts';
import { createSealer } from '../crypto/sealer.ts';
import { ChartbridgeError } from '../errors.ts';
import { openStore } from '../store/database.ts';
import { createConnectionRepository } from '../store/connection-repository.ts';
import { migrateToLatest } from '../store/migrate.ts';
import { assertEncryptionKeyOpens } from '../vault/encryption-key-check.ts';

/**
 * `chartbridge keys reseal`: after CHARTBRIDGE_ENCRYPTION_KEY became `new,old`, re-seal every stored token with
 * the new key so the old one can be removed. Safe to run while workers refresh, and safe to run again.
 */
export function registerResealCommand(keys: Command): void {
  keys
    .command('reseal')
    .description(
      're-seal stored tokens with the first key of CHARTBRIDGE_ENCRYPTION_KEY (encryption key rotation)',
    )
    .action(async () => {
      const config = loadConfig();
      const sealer = createSealer(config.encryptionKey);
      const store = openStore(config.databaseUrl);
      try {
        await migrateToLatest(store);
        await assertEncryptionKeyOpens({
          repos: { connections: createConnectionRepository(store.db) },
          sealer,
        });
        const report = await resealStoredSecrets({
          db: store.db,
          sealer,
          onProgress: (r) =>
            process.stderr.write(`checked ${r.checked} sealed values, re-sealed ${r.resealed}\n`),
        });
        process.stdout.write(
          `re-sealed ${report.resealed} of ${report.checked} sealed values; ${report.unreadable} unreadable\n`,
        );
        if (report.unreadable > 0) {
          throw new ChartbridgeError(
            'ERR_SEAL_INVALID',
            `${report.unreadable} sealed values were sealed with a key missing from CHARTBRIDGE_ENCRYPTION_KEY: add that key after the current one and run keys reseal again`,
          );
        }
      } finally {
        await store.close();
      }
    });
}
