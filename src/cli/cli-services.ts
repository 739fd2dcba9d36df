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
  const env = options.env ?? process.env;
  const config = options.config ?? loadConfig(env);
  const log = createLogger({ level: env.CHARTBRIDGE_LOG_LEVEL ?? 'warn', destination: process.stderr });
  const services = await createServices(config, { log });
  try {
    await migrateToLatest(services.store);
    return await work(services);
  } finally {
    await services.store.close();
  }
}
