import type { Clock } from '../clock.ts';
import { ChartbridgeError, isChartbridgeError } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import type { Metrics, RefreshOutcome } from '../metrics/metrics.ts';
import type { SmartClient } from '../smart/smart-client.ts';
import type { TokenSet } from '../smart/token-response.ts';
import type { ConnectionRow, RefreshLease } from '../store/connection-repository.ts';
import type { Repositories } from '../store/repositories.ts';
import { keyOpensStoredTokens, wrongEncryptionKeyError } from './encryption-key-check.ts';
import { bindingFor, type TokenSealer } from './token-sealer.ts';

export interface RefreshDeps {
  repos: Pick<Repositories, 'connections' | 'audit'>;
  smart: SmartClient;
  sealer: TokenSealer;
  clock: Clock;
  log: Logger;
  /** Counts each refresh's outcome (`chartbridge_token_refreshes_total`); absent in unit tests. */
  metrics?: Pick<Metrics, 'recordRefresh'>;
}

export const INVALID_CLIENT_HINT =
  'the EHR rejected our client assertion: check that it can fetch CHARTBRIDGE_PUBLIC_URL/.well-known/jwks.json, that a new key has had time to propagate (up to 12 hours at Epic), or upload the JWKS directly for this organisation';

/**
 * One refresh, run only by the holder of the connection's database lease. The new refresh token is stored
 * before the new access token is handed to anyone (docs/epic-facts.md §4). Failures are classified (cases 19–21):
 * invalid_grant ends the grant (needs_reauth, no retry loop), invalid_client alerts the operator and backs off,
 * anything transient keeps the refresh token and backs off.
 */
export async function refreshUnderLease(
  deps: RefreshDeps,
  row: ConnectionRow,
  lease: RefreshLease,
): Promise<string> {
  const refreshToken = await unsealOrMarkKeyError(deps, row, lease, 'refresh_token_sealed');
  let tokens: TokenSet;
  try {
    tokens = await deps.smart.refresh({
      endpoints: pinnedEndpoints(row),
      clientId: row.client_id,
      refreshToken,
    });
  } catch (error) {
    deps.metrics?.recordRefresh(failureOutcome(error));
    await recordFailure(deps, row, lease, error);
    throw error;
  }
  await storeTokens(deps, row, lease, tokens, tokens.refreshToken ?? refreshToken);
  deps.metrics?.recordRefresh('refreshed');
  return tokens.accessToken;
}

/** Persists the new pair under the lease, before the caller may use the access token. */
async function storeTokens(
  deps: RefreshDeps,
  row: ConnectionRow,
  lease: RefreshLease,
  tokens: TokenSet,
  nextRefresh: string,
): Promise<void> {
  const now = deps.clock.now();
  const stored = await deps.repos.connections.storeRefreshedTokens(row.id, lease, {
    accessTokenSealed: await deps.sealer.seal(
      tokens.accessToken,
      bindingFor('connections', row.id, 'access_token_sealed'),
    ),
    refreshTokenSealed: await deps.sealer.seal(
      nextRefresh,
      bindingFor('connections', row.id, 'refresh_token_sealed'),
    ),
    accessExpiresAt: tokens.accessExpiresAt,
    scope: tokens.scope || row.scope,
    refreshable: true,
    now,
  });
  if (!stored) await discardLostTokens(deps, row, tokens);
  const tokenVersion = lease.tokenVersion + 1;
  await audit(
    deps,
    row,
    'token.refreshed',
    { tokenVersion, rotated: tokens.refreshToken !== undefined },
    now,
  );
  deps.log.info({ connectionId: row.id, tokenVersion }, 'token refreshed');
}

/**
 * The lease was voided while we refreshed: a disconnect or a fresh re-authorisation landed (the newest grant
 * wins, case 44), or the lease outlived its term. The tokens just issued belong to nobody: revoke them at the EHR
 * (best effort) so no live token exists for a connection we no longer hold, and report why.
 */
async function discardLostTokens(deps: RefreshDeps, row: ConnectionRow, tokens: TokenSet): Promise<never> {
  deps.metrics?.recordRefresh('lease_lost');
  if (tokens.refreshToken && row.revocation_endpoint) {
    const grant = { endpoints: pinnedEndpoints(row), clientId: row.client_id, token: tokens.refreshToken };
    await deps.smart.revoke({ ...grant, hint: 'refresh_token' }).catch(() => undefined);
  }
  const current = await deps.repos.connections.findById(row.id);
  deps.log.warn(
    { connectionId: row.id, status: current?.status },
    'refresh lease voided; new tokens discarded',
  );
  if (current && current.status !== 'active') {
    throw new ChartbridgeError(
      'ERR_CONNECTION_INACTIVE',
      `connection '${row.id}' is ${current.status}; the patient must connect again`,
    );
  }
  throw new ChartbridgeError(
    'ERR_REFRESH_IN_PROGRESS',
    `the refresh lease for connection '${row.id}' was lost; try again`,
  );
}

function failureOutcome(error: unknown): RefreshOutcome {
  if (isChartbridgeError(error, 'ERR_INVALID_GRANT')) return 'invalid_grant';
  if (isChartbridgeError(error, 'ERR_INVALID_CLIENT')) return 'invalid_client';
  return 'failed';
}

async function recordFailure(
  deps: RefreshDeps,
  row: ConnectionRow,
  lease: RefreshLease,
  error: unknown,
): Promise<void> {
  const now = deps.clock.now();
  const code = isChartbridgeError(error) ? error.code : 'ERR_UNEXPECTED';
  if (code === 'ERR_INVALID_GRANT') {
    const reason = 'the EHR rejected the refresh token (invalid_grant); the patient must connect again';
    // Only while our lease holds: a re-authorisation that landed meanwhile must not be undone.
    if (await deps.repos.connections.endGrant(row.id, 'needs_reauth', reason, now, lease.owner)) {
      await audit(deps, row, 'connection.needs_reauth', { code }, now);
    }
    deps.log.warn(
      { connectionId: row.id, errorCode: code },
      'refresh token rejected; connection needs the patient again',
    );
    return;
  }
  const retryAt = now + backoffMs(code, row.refresh_failures);
  await deps.repos.connections.recordRefreshFailure(row.id, lease.owner, retryAt, now);
  if (code === 'ERR_INVALID_CLIENT') {
    await audit(deps, row, 'operator.alert', { code, hint: INVALID_CLIENT_HINT, retryAt }, now);
    deps.log.error(
      { connectionId: row.id, errorCode: code, hint: INVALID_CLIENT_HINT },
      'token endpoint rejected our client',
    );
    return;
  }
  await audit(deps, row, 'token.refresh_failed', { code, retryAt }, now);
  deps.log.warn(
    { connectionId: row.id, errorCode: code, retryAt },
    'refresh failed; refresh token kept, will retry',
  );
}

function audit(
  deps: RefreshDeps,
  row: ConnectionRow,
  action: string,
  detail: Record<string, string | number | boolean>,
  now: number,
): Promise<void> {
  return deps.repos.audit.record(
    { actor: 'vault', action, connectionId: row.id, userId: row.user_id, detail },
    now,
  );
}

/** Exponential backoff, jitter-free so tests can assert it: transient from 30 s, operator problems from 5 min. */
export function backoffMs(code: string, previousFailures: number): number {
  const base = code === 'ERR_INVALID_CLIENT' ? 5 * 60_000 : 30_000;
  return Math.min(base * 2 ** Math.min(previousFailures, 10), 6 * 60 * 60_000);
}

export async function unsealOrMarkKeyError(
  deps: RefreshDeps,
  row: ConnectionRow,
  lease: RefreshLease | undefined,
  column: 'access_token_sealed' | 'refresh_token_sealed',
): Promise<string> {
  const sealed = row[column];
  if (!sealed)
    throw new ChartbridgeError(
      'ERR_NOT_REFRESHABLE',
      `connection '${row.id}' holds no ${column === 'access_token_sealed' ? 'access' : 'refresh'} token`,
    );
  try {
    return await deps.sealer.unseal(sealed, bindingFor('connections', row.id, column));
  } catch {
    // A key that opens no other token is the wrong key for this database, not a damaged value: marking the
    // connection would make a healthy patient reconnect. Change nothing and say which variable to fix.
    if (!(await keyOpensStoredTokens(deps, row.id))) {
      if (lease) await deps.repos.connections.releaseRefreshLease(row.id, lease.owner);
      throw wrongEncryptionKeyError();
    }
    const now = deps.clock.now();
    await deps.repos.connections.setStatus(
      row.id,
      'key_error',
      'stored tokens cannot be decrypted with the current encryption key',
      now,
    );
    if (lease) await deps.repos.connections.recordRefreshFailure(row.id, lease.owner, now, now);
    await deps.repos.audit.record(
      {
        actor: 'vault',
        action: 'operator.alert',
        connectionId: row.id,
        detail: { code: 'ERR_SEAL_INVALID' },
      },
      now,
    );
    throw new ChartbridgeError(
      'ERR_SEAL_INVALID',
      `tokens of connection '${row.id}' cannot be decrypted; check CHARTBRIDGE_ENCRYPTION_KEY`,
    );
  }
}

export function pinnedEndpoints(row: ConnectionRow) {
  return {
    issuer: row.issuer,
    tokenEndpoint: row.token_endpoint,
    introspectionEndpoint: row.introspection_endpoint,
    revocationEndpoint: row.revocation_endpoint,
  };
}
