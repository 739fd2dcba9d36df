import type { Config } from './config/config.ts';
import type { Clock } from './clock.ts';
import type { Logger } from './log/logger.ts';
import type { Store } from './store/database.ts';
import type { Repositories } from './store/repositories.ts';
import type { SmartClient } from './smart/smart-client.ts';
import type { TokenSealer } from './vault/token-sealer.ts';
import type { Vault } from './vault/vault.ts';

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
  /** The connect spine's repositories (users, connect sessions, launches, connections, endpoints, audit). */
  repos: Repositories;
  /** Seals tokens at rest, bound to their row and column. */
  sealer: TokenSealer;
  /** The SMART protocol (discovery cache, code exchange, refresh, introspection, revocation). */
  smart: SmartClient;
  /** Valid access tokens for connections; the only place that refreshes. */
  vault: Vault;
}
