import { randomUUID } from 'node:crypto';
import type { AuthorizationCodeRecord, Grant } from './grant-model.ts';
import { OAuthError } from './oauth-error.ts';
import { computePersistentEnd } from './persistent-access.ts';
import { createRandomToken } from './random-token.ts';
import { revokeGrant, type TokenState } from './token-state.ts';

const codeLifetimeMs = 2 * 60_000;

/** An opaque, long (342-character) single-use code that lives two minutes. */
export function createCode(state: TokenState, record: Omit<AuthorizationCodeRecord, 'expiresAt'>): string {
  const code = createRandomToken(256);
  state.codes.set(code, { ...record, expiresAt: state.clock.now() + codeLifetimeMs });
  return code;
}

/**
 * Burns the code whatever happens next, so a failed redemption cannot be retried with other parameters. A code
 * presented twice revokes the grant it created (RFC 6749 §4.1.2).
 */
export function redeemCode(state: TokenState, code: string): AuthorizationCodeRecord {
  const record = state.codes.get(code);
  if (!record) throw new OAuthError('invalid_grant', 'the authorization code is invalid');
  if (record.usedAt !== undefined) {
    if (record.grantId) revokeGrant(state, record.grantId, 'authorization code replayed');
    throw new OAuthError('invalid_grant', 'the authorization code was already used; its tokens are revoked');
  }
  record.usedAt = state.clock.now();
  if (state.clock.now() >= record.expiresAt) {
    throw new OAuthError('invalid_grant', 'the authorization code has expired');
  }
  return record;
}

/** The grant a redeemed code creates; persistent access only with offline_access and a period > 0. */
export function createGrant(state: TokenState, record: AuthorizationCodeRecord): Grant {
  const now = state.clock.now();
  const offline = record.scopes.includes('offline_access');
  const grant: Grant = {
    id: randomUUID(),
    orgId: record.orgId,
    clientId: record.clientId,
    patientId: record.patientId,
    scopes: record.scopes,
    period: record.period,
    persistentEnd: offline ? computePersistentEnd(record.period, now) : undefined,
    createdAt: now,
  };
  state.grants.set(grant.id, grant);
  state.tokensByGrant.set(grant.id, { access: new Set(), refresh: new Set(), refreshes: 0 });
  record.grantId = grant.id;
  return grant;
}
