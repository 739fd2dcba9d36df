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

/**
 * Tokens for connections. Across processes, at most one refresh per connection runs at a time: a lease taken
 * by compare-and-swap on the row (owner, lease_until, token_version). Within a process, concurrent callers for
 * the same connection share one in-flight refresh (ten concurrent 401s make one refresh, case 43).
 */
export function createVault(deps: RefreshDeps): Vault {
  const owner = `vault-${randomUUID()}`;
  const inflight = new Map<string, Promise<string>>();

  async function load(connectionId: string): Promise<ConnectionRow> {
    const row = await deps.repos.connections.findById(connectionId);
    if (!row)
      throw new ChartbridgeError('ERR_NOT_FOUND', `connection '${connectionId}' not found`, { status: 404 });
    if (row.status !== 'active') {
      throw new ChartbridgeError(
        'ERR_CONNECTION_INACTIVE',
        `connection '${connectionId}' is ${row.status}; the patient must connect again`,
        { status: 409 },
      );
    }
    return row;
  }

  const fresh: Satisfied = (row) =>
    row.access_token_sealed !== null && (row.access_expires_at ?? 0) - deps.clock.now() > REFRESH_AHEAD_MS;

  /** Waits for or takes the lease until `satisfied` holds; returns the access token of the satisfying row. */
  async function ensure(connectionId: string, satisfied: Satisfied, honourBackoff: boolean): Promise<string> {
    const deadline = Date.now() + LEASE_MS * 2;
    for (;;) {
      const row = await load(connectionId);
      if (satisfied(row)) return unsealOrMarkKeyError(deps, row, undefined, 'access_token_sealed');
      if (!row.refresh_token_sealed) {
        throw new ChartbridgeError(
          'ERR_NOT_REFRESHABLE',
          `connection '${connectionId}' has no refresh token; the patient must connect again when the access token expires`,
          { status: 409 },
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
          { status: 503 },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, WAIT_POLL_MS));
    }
  }

  function singleFlight(key: string, work: () => Promise<string>): Promise<string> {
    const existing = inflight.get(key);
    if (existing) return existing;
    const promise = work().finally(() => inflight.delete(key));
    inflight.set(key, promise);
    return promise;
  }

  return {
    async getAccessToken(connectionId) {
      const row = await load(connectionId);
      if (fresh(row)) return unsealOrMarkKeyError(deps, row, undefined, 'access_token_sealed');
      try {
        return await singleFlight(`${connectionId}@${row.token_version}`, () =>
          ensure(connectionId, fresh, true),
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
    },
    async refreshAfterRejection(connectionId, rejectedToken) {
      const row = await load(connectionId);
      const current = await unsealOrMarkKeyError(deps, row, undefined, 'access_token_sealed');
      if (current !== rejectedToken) return current;
      const version = row.token_version;
      return singleFlight(`${connectionId}@${version}`, () =>
        ensure(connectionId, (r) => r.token_version > version, false),
      );
    },
    async refreshNow(connectionId) {
      const row = await load(connectionId);
      const version = row.token_version;
      await singleFlight(`${connectionId}@${version}`, () =>
        ensure(connectionId, (r) => r.token_version > version, false),
      );
      const updated = await load(connectionId);
      return {
        connectionId,
        tokenVersion: updated.token_version,
        accessExpiresAt: updated.access_expires_at,
      };
    },
  };
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
    { status: 503 },
  );
}
