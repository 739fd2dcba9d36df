import { systemClock } from '../clock.ts';
import { loadConfig, type Config } from '../config/config.ts';
import type { DirectoryDeps } from '../directory/import-directory.ts';
import { createLogger } from '../log/logger.ts';
import { openStore } from '../store/database.ts';
import { migrateToLatest } from '../store/migrate.ts';
import { withDemoDefaults } from './cli-services.ts';

export type CliDirectoryDeps = DirectoryDeps & { fetch: typeof fetch; config: Config };

/** Runs a directory action on the migrated database; needs no keys, so it works before `keys generate`. */
export async function withDirectoryDeps<T>(work: (deps: CliDirectoryDeps) => Promise<T>): Promise<T> {
  const env = withDemoDefaults(process.env);
  const config = loadConfig(env);
  const store = openStore(config.databaseUrl);
  try {
    await migrateToLatest(store);
    const log = createLogger({ level: env.CHARTBRIDGE_LOG_LEVEL ?? 'warn', destination: process.stderr });
    return await work({ db: store.db, clock: systemClock, log, fetch: globalThis.fetch, config });
  } finally {
    await store.close();
  }
}
