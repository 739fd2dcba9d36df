import { randomUUID } from 'node:crypto';
import { isChartbridgeError } from '../errors.ts';
import type { ConnectionRow } from '../store/connection-repository.ts';
import {
  createRevocationOutboxRepository,
  type PendingRevocationRow,
} from '../store/revocation-outbox-repository.ts';
import type { Store } from '../store/database.ts';
import type { RefreshDeps } from './refresh-under-lease.ts';
import { bindingFor } from './token-sealer.ts';

export interface RevocationDeps extends RefreshDeps {
  store: Pick<Store, 'db'>;
}

export type RevocationOutcome = 'revoked' | 'pending' | 'refused' | 'expired';

/** How long one attempt owns its row: longer than a revocation request can take (its timeout is 15 s). */
const CLAIM_MS = 60_000;
/** When the connection never learnt the refresh token's lifetime: keep trying this long (90 days). */
const DEFAULT_LIFETIME_MS = 90 * 86_400_000;

/** Retry delays: 1 min, doubling, at most 6 hours. Jitter-free so tests can assert the schedule. */
export function revocationBackoffMs(attempts: number): number {
  return Math.min(60_000 * 2 ** Math.min(attempts, 12), 6 * 3_600_000);
}

/**
 * Records the revocation a disconnect owes the EHR before the tokens are deleted (case 28): the token is sealed
 * again, bound to its outbox row, with the endpoints it was issued by and the time it dies by itself.
 */
export async function enqueueRevocation(
  deps: RevocationDeps,
  row: ConnectionRow,
  token: string,
  hint: 'refresh_token' | 'access_token',
): Promise<PendingRevocationRow> {
  const id = `rev_${randomUUID()}`;
  const now = deps.clock.now();
  const lifetimeEnd =
    hint === 'refresh_token'
      ? (row.persistent_access_ends_at ?? now + DEFAULT_LIFETIME_MS)
      : (row.access_expires_at ?? now);
  const pending: PendingRevocationRow = {
    id,
    connection_id: row.id,
    user_id: row.user_id,
    token_sealed: await deps.sealer.seal(token, bindingFor('pending_revocations', id, 'token_sealed')),
    token_hint: hint,
    client_id: row.client_id,
    issuer: row.issuer,
    token_endpoint: row.token_endpoint,
    revocation_endpoint: row.revocation_endpoint!,
    attempts: 0,
    next_attempt_at: now + CLAIM_MS,
    gives_up_at: lifetimeEnd,
    last_error: null,
    created_at: now,
  };
  await createRevocationOutboxRepository(deps.store.db).insert(pending);
  return pending;
}

/**
 * One attempt at a pending revocation. The EHR's answer ends it (success, or a refusal such as a 400 that no retry
 * can change); no answer (down, 5xx, 429, timeout), a rejected client assertion (401: keys, clock) or a token that
 * cannot be unsealed (a key missing from CHARTBRIDGE_ENCRYPTION_KEY) schedules the next attempt with backoff — unless the token
 * will have died by then, when the row is dropped as expired. Every ending is audited, without the token.
 */
export async function attemptRevocation(
  deps: RevocationDeps,
  pending: PendingRevocationRow,
  actor: string,
): Promise<RevocationOutcome> {
  const outbox = createRevocationOutboxRepository(deps.store.db);
  const attempts = pending.attempts + 1;
  let errorCode: string;
  try {
    const token = await deps.sealer.unseal(
      pending.token_sealed,
      bindingFor('pending_revocations', pending.id, 'token_sealed'),
    );
    await deps.smart.revoke({
      endpoints: {
        issuer: pending.issuer,
        tokenEndpoint: pending.token_endpoint,
        revocationEndpoint: pending.revocation_endpoint,
      },
      clientId: pending.client_id,
      token,
      hint: pending.token_hint,
    });
    await finish(deps, pending, actor, 'revocation.completed', { attempts });
    return 'revoked';
  } catch (error) {
    errorCode = isChartbridgeError(error) ? error.code : 'ERR_UNEXPECTED';
  }
  if (errorCode === 'ERR_TOKEN_RESPONSE_INVALID') {
    // The EHR answered and said no: nothing a retry changes (an unknown token is answered 200 by RFC 7009).
    await finish(deps, pending, actor, 'revocation.refused', { code: errorCode, attempts });
    return 'refused';
  }
  const nextAttemptAt = deps.clock.now() + revocationBackoffMs(pending.attempts);
  if (nextAttemptAt >= pending.gives_up_at) {
    await finish(deps, pending, actor, 'revocation.expired', { code: errorCode, attempts });
    return 'expired';
  }
  await outbox.recordFailure(pending.id, errorCode, nextAttemptAt);
  deps.log.warn(
    { connectionId: pending.connection_id, errorCode, attempts, nextAttemptAt },
    'revocation at the ehr failed; it will be retried',
  );
  return 'pending';
}

/** The worker's schedule: every due row, claimed first so two workers never revoke the same token at once. */
export async function retryDueRevocations(
  deps: RevocationDeps,
  options: { batchSize: number },
): Promise<Record<RevocationOutcome, number>> {
  const outbox = createRevocationOutboxRepository(deps.store.db);
  const counts: Record<RevocationOutcome, number> = { revoked: 0, pending: 0, refused: 0, expired: 0 };
  const now = deps.clock.now();
  for (const row of await outbox.listDue(now, options.batchSize)) {
    if (!(await outbox.claim(row.id, row.next_attempt_at, now + CLAIM_MS))) continue;
    counts[await attemptRevocation(deps, row, 'scheduler')] += 1;
  }
  return counts;
}

async function finish(
  deps: RevocationDeps,
  pending: PendingRevocationRow,
  actor: string,
  action: string,
  detail: Record<string, string | number>,
): Promise<void> {
  await createRevocationOutboxRepository(deps.store.db).delete(pending.id);
  await deps.repos.audit.record(
    {
      actor,
      action,
      connectionId: pending.connection_id,
      userId: pending.user_id,
      detail: { hint: pending.token_hint, ...detail },
    },
    deps.clock.now(),
  );
}
