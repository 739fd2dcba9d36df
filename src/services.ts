import type { Config } from './config/config.ts';
import type { Clock } from './clock.ts';
import type { Logger } from './log/logger.ts';
import type { Store } from './store/database.ts';

/**
 * The composition root's product: every long-lived dependency, built once by a driver (cli, http, jobs) and
 * passed down. No module keeps its own singleton, so a test can build a complete app with a frozen clock.
 */
export interface Services {
  config: Config;
  store: Store;
  clock: Clock;
  log: Logger;
  fetch: typeof fetch;
}
