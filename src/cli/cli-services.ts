import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, type Config } from '../config/config.ts';
import type { Services } from '../services.ts';
import { openStore, type Store } from '../store/database.ts';
import { migrateToLatest } from '../store/migrate.ts';
import { createRepositories, type Repositories } from '../store/repositories.ts';
import { readDemoSettings } from './demo-settings.ts';

/**
 * Runs one CLI action with the full service set on a migrated database, and closes it afterwards. Logs go to
 * stderr (stdout stays clean for `--json`), at `warn` unless CHARTBRIDGE_LOG_LEVEL says otherwise.
 */
export async function withCliServices<T>(
  work: (services: Services) => Promise<T>,
  options: { env?: Record<string, string | undefined>; config?: Config } = {},
): Promise<T> {
  const env = withDemoDefaults(options.env ?? process.env);
  const config = options.config ?? loadConfig(env);
  // Imported here, not at the top: the full service set (OAuth, JOSE, sync, jobs, the logger) loads only for the
  // commands that use it, so `connections list|show` start with the store alone.
  const [{ createServices }, { createLogger }] = await Promise.all([
    import('../services.ts'),
    import('../log/logger.ts'),
  ]);
  const log = createLogger({ level: env.CHARTBRIDGE_LOG_LEVEL ?? 'warn', destination: process.stderr });
  const services = await createServices(config, { log });
  try {
    await migrateToLatest(services.store);
    return await work(services);
  } finally {
    await services.jobs.stop();
    await services.store.close();
  }
}

/** What a read-only CLI action needs: the configuration and the repositories on a migrated database. */
export interface CliStore {
  config: Config;
  store: Store;
  repos: Repositories;
}

/**
 * Runs a CLI action that only reads and writes rows (`connections list|show`): opens the database alone, no keys,
 * no OAuth or job queue, so it starts in a fraction of `withCliServices`'s time. Closes the database afterwards.
 */
export async function withCliStore<T>(
  work: (deps: CliStore) => Promise<T>,
  options: { env?: Record<string, string | undefined> } = {},
): Promise<T> {
  const config = loadConfig(withDemoDefaults(options.env ?? process.env));
  const store = openStore(config.databaseUrl, { poolSize: 2, checkpointThread: false });
  try {
    await migrateToLatest(store);
    return await work({ config, store, repos: createRepositories(store.db) });
  } finally {
    await store.close();
  }
}

/**
 * Operator commands run next to `chartbridge demo` work without configuration: when nothing is set, the demo's
 * data folder (./data, or `dataDir`) supplies what the demo itself uses: the database, keys directory, encryption
 * key, API key, public URL and sandbox client id. Anything set in the environment wins.
 */
export function withDemoDefaults(
  env: Record<string, string | undefined>,
  dataDir = 'data',
): Record<string, string | undefined> {
  const result = { ...env };
  const file = (name: string) => join(dataDir, name);
  const fill = (name: string, value: string | undefined) => {
    if (!result[name] && value) result[name] = value;
  };
  if (!result.CHARTBRIDGE_PRIVATE_KEYS && existsSync(file('keys/keys.json'))) {
    fill('CHARTBRIDGE_KEYS_DIR', file('keys'));
  }
  fill('CHARTBRIDGE_ENCRYPTION_KEY', readIfPresent(file('encryption.key')));
  fill('CHARTBRIDGE_API_KEY', readIfPresent(file('api-key')));
  if (existsSync(file('chartbridge.db')))
    fill('CHARTBRIDGE_DATABASE_URL', `sqlite:${file('chartbridge.db')}`);
  const demo = readDemoSettings(dataDir);
  fill('CHARTBRIDGE_PUBLIC_URL', demo.publicUrl);
  fill('CHARTBRIDGE_EPIC_CLIENT_ID_NONPROD', demo.clientId);
  return result;
}

function readIfPresent(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8').trim() : undefined;
}
