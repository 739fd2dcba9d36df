import { createHostLimiter, type HostLimiter } from './fhir/host-limiter.ts';
import type { Config } from './config/config.ts';
import { systemClock, type Clock } from './clock.ts';
import { createSealer } from './crypto/sealer.ts';
import { createClientAssertion } from './keys/client-assertion.ts';
import { loadKeyStore, type KeyStore } from './keys/key-store.ts';
import { createLogContext, type LogContext } from './log/log-context.ts';
import { createLogger, type Logger } from './log/logger.ts';
import { createMetrics, type Metrics } from './metrics/metrics.ts';
import { registerStoreGauges } from './metrics/store-gauges.ts';
import { openStore, type Store } from './store/database.ts';
import { createRepositories, type Repositories } from './store/repositories.ts';
import { createSmartClient, type SmartClient } from './smart/smart-client.ts';
import type { TokenSealer } from './vault/token-sealer.ts';
import { createVault, type Vault } from './vault/vault.ts';
import { createDirectorySearch, type DirectorySearch } from './directory/directory-search.ts';
import { createJobSender, type JobSender } from './jobs/job-sender.ts';

/**
 * The composition root's product: every long-lived dependency, built once by a driver (cli, http, jobs) and
 * passed down. No module keeps its own singleton, so a test can build a complete app with a frozen clock.
 */
export interface Services {
  config: Config;
  store: Store;
  clock: Clock;
  log: Logger;
  /**
   * Fields every log line gets while some work runs (the HTTP request id). `log` is built with it; a `log`
   * override must be too (`createLogger({ context })`), or its lines lack the request id.
   */
  logContext: LogContext;
  /** This process's Prometheus registry (`/metrics`): counters fed by the vault, syncs and HTTP. */
  metrics: Metrics;
  fetch: typeof fetch;
  /** The connect spine's repositories (users, connect sessions, launches, connections, endpoints, audit). */
  repos: Repositories;
  /** Seals tokens at rest, bound to their row and column. */
  sealer: TokenSealer;
  /** The SMART protocol (discovery cache, code exchange, refresh, introspection, revocation). */
  smart: SmartClient;
  /** Valid access tokens for connections; the only place that refreshes. */
  vault: Vault;
  /** Our signing keys: client assertions and the published JWKS. */
  keys: KeyStore;
  /** Per-EHR-host cap on concurrent FHIR requests, shared by every sync in the process (issue 8). */
  hostLimiter: HostLimiter;
  /** Directory search (in-memory index, reloads when the directory changes); built lazily on first search. */
  directory: DirectorySearch;
  /** Queues background jobs (a new connection's first sync); opened on first use, closed with `jobs.stop()`. */
  jobs: JobSender;
}

/**
 * The composition root: builds every service from the configuration; `overrides` swaps any part (a test's
 * clock, fetch, store or logger). Fails fast with one clear line when keys or the encryption key are unusable.
 */
export async function createServices(config: Config, overrides: Partial<Services> = {}): Promise<Services> {
  const clock = overrides.clock ?? systemClock;
  const logContext = overrides.logContext ?? createLogContext();
  const log = overrides.log ?? createLogger({ level: config.logLevel, context: logContext });
  const metrics = overrides.metrics ?? createMetrics();
  const fetchImpl = overrides.fetch ?? globalThis.fetch;
  const keys =
    overrides.keys ??
    (await loadKeyStore({ keysDir: config.keysDir, privateKeysPem: config.privateKeysPem, clock, log }));
  const sealer = overrides.sealer ?? createSealer(config.encryptionKey);
  const store = overrides.store ?? openStore(config.databaseUrl);
  const repos = overrides.repos ?? createRepositories(store.db);
  const smart =
    overrides.smart ??
    createSmartClient({
      fetch: fetchImpl,
      clock,
      // A fresh assertion per request, retries included (docs/epic-facts.md §2), always with the key active right now.
      // `clock` here is the EHR's time as learnt from its Date headers, so assertions survive clock skew.
      signAssertion: ({ clientId, tokenEndpoint, clock: serverClock }) =>
        createClientAssertion({ key: keys.activeKey(), clientId, tokenEndpoint, clock: serverClock }),
    });
  const vault = overrides.vault ?? createVault({ repos, smart, sealer, clock, log, metrics });
  const hostLimiter = overrides.hostLimiter ?? createHostLimiter();
  const directory =
    overrides.directory ?? createDirectorySearch({ db: store.db, clock, staleWhileReloading: true });
  const jobs = overrides.jobs ?? createJobSender({ store, databaseUrl: config.databaseUrl, clock, log });
  if (!overrides.metrics) registerStoreGauges(metrics, { store, jobs, clock });
  return {
    ...overrides,
    config,
    store,
    clock,
    log,
    logContext,
    metrics,
    fetch: fetchImpl,
    repos,
    sealer,
    smart,
    vault,
    keys,
    hostLimiter,
    directory,
    jobs,
  };
}
