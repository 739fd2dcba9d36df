import { randomUUID } from 'node:crypto';
import { ChartbridgeError, isChartbridgeError } from '../errors.ts';
import type { ConnectionRow } from '../store/connection-repository.ts';
import { refreshUnderLease, unsealOrMarkKeyError, type RefreshDeps } from './refresh-under-lease.ts';

/** Refresh this long before the access token expires, so a sync never starts with a dying token (case 23). */
export const REFRESH_AHEAD_MS = 5 * 60_000;
/** Longer than a refresh request can take (15 s timeout), so a live holder never loses its lease. */
export const LEASE_MS = 60_000;
const WAIT_POLL_MS = 25;

export interface RefreshSummary {
  connectionId: string;
  tokenVersion: number;
  accessExpiresAt: number | null;
}

export interface Vault {
  /** A valid access token, refreshed ahead of expiry. */
  getAccessToken(connectionId: string): Promise<string>;
  /** After a FHIR 401: one refresh unless the token already changed; a second 401 is the caller's needs_reauth. */
  refreshAfterRejection(connectionId: string, rejectedToken: string): Promise<string>;
  /** Refresh now regardless of expiry (operator command); still one refresh at a time across processes. */
  refreshNow(connectionId: string): Promise<RefreshSummary>;
}

type Satisfied = (row: ConnectionRow) => boolean;

interface VaultContext {
  deps: RefreshDeps;
  /** This vault's lease owner name, unique per process (and per vault). */
  owner: string;
  inflight: Map<string, Promise<string>>;
}

/**
 * Tokens for connections. Across processes, at most one refresh per connection runs at a time: a lease taken
 * by compare-and-swap on the row (owner, lease_until, token_version). Within a process, concurrent callers for
 * the same connection share one in-flight refresh (ten concurrent 401s make one refresh, case 43).
 */
export function createVault(deps: RefreshDeps): Vault {
  const ctx: VaultContext = { deps, owner: `vault-${randomUUID()}`, inflight: new Map() };
  return {
    getAccessToken: (connectionId) => getAccessToken(ctx, connectionId),
    async refreshAfterRejection(connectionId, rejectedToken) {
      const row = await loadActive(ctx, connectionId);
      const current = await unsealOrMarkKeyError(deps, row, undefined, 'access_token_sealed');
      if (current !== rejectedToken) return current;
      return refreshPastVersion(ctx, connectionId, row.token_version);
    },
    async refreshNow(connectionId) {
      const row = await loadActive(ctx, connectionId);
      await refreshPastVersion(ctx, connectionId, row.token_version);
      const updated = await loadActive(ctx, connectionId);
      return {
        connectionId,
        tokenVersion: updated.token_version,
        accessExpiresAt: updated.access_expires_at,
      };
    },
  };
}

async function getAccessToken(ctx: VaultContext, connectionId: string): Promise<string> {
  const { deps } = ctx;
  const fresh: Satisfied = (r) =>
    r.access_token_sealed !== null && (r.access_expires_at ?? 0) - deps.clock.now() > REFRESH_AHEAD_MS;
  const row = await loadActive(ctx, connectionId);
  if (fresh(row)) return unsealOrMarkKeyError(deps, row, undefined, 'access_token_sealed');
  try {
    return await singleFlight(ctx, `${connectionId}@${row.token_version}`, () =>
      ensure(ctx, connectionId, fresh, true),
    );
  } catch (error) {
    // A transient refresh failure while the current token still works is not the caller's problem (case 19).
    if (
      isTransient(error) &&
      row.access_token_sealed &&
      (row.access_expires_at ?? 0) > deps.clock.now() + 30_000
    ) {
      return unsealOrMarkKeyError(deps, row, undefined, 'access_token_sealed');
    }
    throw error;
  }
}

/** Refresh unless someone already moved the tokens past `version` (then use theirs). Ignores backoff. */
function refreshPastVersion(ctx: VaultContext, connectionId: string, version: number): Promise<string> {
  return singleFlight(ctx, `${connectionId}@${version}`, () =>
    ensure(ctx, connectionId, (r) => r.token_version > version, false),
  );
}

async function loadActive(ctx: VaultContext, connectionId: string): Promise<ConnectionRow> {
  const row = await ctx.deps.repos.connections.findById(connectionId);
  if (!row) throw new ChartbridgeError('ERR_NOT_FOUND', `connection '${connectionId}' not found`);
  if (row.status !== 'active') {
    throw new ChartbridgeError(
      'ERR_CONNECTION_INACTIVE',
      `connection '${connectionId}' is ${row.status}; the patient must connect again`,
    );
  }
  return row;
}

/** Waits for or takes the lease until `satisfied` holds; returns the access token of the satisfying row. */
async function ensure(
  ctx: VaultContext,
  connectionId: string,
  satisfied: Satisfied,
  honourBackoff: boolean,
): Promise<string> {
  const { deps, owner } = ctx;
  const deadline = Date.now() + LEASE_MS * 2;
  let waited = 0;
  for (;;) {
    const row = await loadActive(ctx, connectionId);
    if (satisfied(row)) return unsealOrMarkKeyError(deps, row, undefined, 'access_token_sealed');
    if (!row.refresh_token_sealed) {
      throw new ChartbridgeError(
        'ERR_NOT_REFRESHABLE',
        `connection '${connectionId}' has no refresh token; the patient must connect again when the access token expires`,
      );
    }
    const now = deps.clock.now();
    if (honourBackoff && row.refresh_retry_at !== null && row.refresh_retry_at > now) throw backingOff(row);
    const lease = { owner, tokenVersion: row.token_version };
    if (await deps.repos.connections.acquireRefreshLease(connectionId, lease, now, now + LEASE_MS)) {
      return refreshUnderLease(deps, row, lease);
    }
    if (Date.now() > deadline) {
      throw new ChartbridgeError(
        'ERR_REFRESH_IN_PROGRESS',
        `another process is still refreshing connection '${connectionId}'; try again`,
      );
    }
    // Poll quickly at first (a refresh takes tens of ms), then back off so a long wait does not hammer the DB.
    waited += 1;
    await new Promise((resolve) =>
      setTimeout(resolve, Math.min(WAIT_POLL_MS * 2 ** Math.min(waited, 4), 400)),
    );
  }
}

function singleFlight(ctx: VaultContext, key: string, work: () => Promise<string>): Promise<string> {
  const existing = ctx.inflight.get(key);
  if (existing) return existing;
  const promise = work().finally(() => ctx.inflight.delete(key));
  ctx.inflight.set(key, promise);
  return promise;
}

function isTransient(error: unknown): boolean {
  return (
    isChartbridgeError(error, 'ERR_TOKEN_ENDPOINT_UNAVAILABLE') ||
    isChartbridgeError(error, 'ERR_REFRESH_IN_PROGRESS')
  );
}

function backingOff(row: ConnectionRow): ChartbridgeError {
  const at = new Date(row.refresh_retry_at ?? 0).toISOString();
  return new ChartbridgeError(
    'ERR_TOKEN_ENDPOINT_UNAVAILABLE',
    `refresh for connection '${row.id}' is backing off after ${row.refresh_failures} failure(s); next attempt after ${at}`,
  );
}
