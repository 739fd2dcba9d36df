import { existsSync, readFileSync } from 'node:fs';
import { loadConfig, type Config } from '../config/config.ts';
import { createLogger } from '../log/logger.ts';
import { createServices, type Services } from '../services.ts';
import { migrateToLatest } from '../store/migrate.ts';

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

/**
 * Operator commands run next to `chartbridge demo` work without configuration: when nothing is set, the demo's
 * ./data folder supplies the keys directory and the encryption key (the database URL already defaults to it).
 */
export function withDemoDefaults(
  env: Record<string, string | undefined>,
): Record<string, string | undefined> {
  const result = { ...env };
  if (!result.CHARTBRIDGE_KEYS_DIR && !result.CHARTBRIDGE_PRIVATE_KEYS && existsSync('data/keys/keys.json')) {
    result.CHARTBRIDGE_KEYS_DIR = 'data/keys';
  }
  if (!result.CHARTBRIDGE_ENCRYPTION_KEY && existsSync('data/encryption.key')) {
    result.CHARTBRIDGE_ENCRYPTION_KEY = readFileSync('data/encryption.key', 'utf8').trim();
  }
  return result;
}
