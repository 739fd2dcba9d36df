import type { AccessTokenInfo } from '../model.ts';
import type { Grant } from './grant-model.ts';
import { OAuthError } from './oauth-error.ts';
import { createRandomToken } from './random-token.ts';
import { findActiveGrant, revokeGrant, type TokenState } from './token-state.ts';

export interface IssuedTokens {
  grant: Grant;
  accessToken: string;
  expiresIn: number;
  refreshToken?: string;
}

export type TokenDescription =
  | { kind: 'access'; grant: Grant; issuedAt: number; expiresAt: number }
  | { kind: 'refresh'; grant: Grant; issuedAt: number; expiresAt: number | null };

/** A new access token, and a refresh token when the grant has persistent access. */
export function issueTokens(state: TokenState, grant: Grant): IssuedTokens {
  const now = state.clock.now();
  const index = state.tokensByGrant.get(grant.id)!;
  const expiresIn = state.accessTtlSeconds;
  const accessToken = createRandomToken(192);
  state.accessTokens.set(accessToken, {
    grantId: grant.id,
    issuedAt: now,
    expiresAt: now + expiresIn * 1000,
  });
  index.access.add(accessToken);
  if (grant.persistentEnd === undefined) return { grant, accessToken, expiresIn };
  const refreshToken = createRandomToken(96);
  state.refreshTokens.set(refreshToken, { grantId: grant.id, issuedAt: now });
  index.refresh.add(refreshToken);
  return { grant, accessToken, expiresIn, refreshToken };
}

/**
 * Rolling refresh with strict single use: the presented token and its siblings are marked rotated and new
 * tokens are issued with the grant's unchanged end date. A rotated token presented after the grace window
 * revokes the whole grant.
 */
export function refreshTokens(state: TokenState, refreshToken: string, clientId: string): IssuedTokens {
  const now = state.clock.now();
  const record = state.refreshTokens.get(refreshToken);
  const grant = record && state.grants.get(record.grantId);
  if (!record || !grant) throw new OAuthError('invalid_grant', 'the refresh token is invalid');
  if (grant.clientId !== clientId)
    throw new OAuthError('invalid_grant', 'the refresh token belongs to another client');
  if (grant.revokedAt !== undefined || record.revokedAt !== undefined) {
    throw new OAuthError('invalid_grant', 'the refresh token was revoked; the patient must authorize again');
  }
  if (grant.persistentEnd !== null && grant.persistentEnd !== undefined && now >= grant.persistentEnd) {
    throw new OAuthError('invalid_grant', 'persistent access has ended; the patient must authorize again');
  }
  if (record.rotatedAt !== undefined && now >= record.rotatedAt + state.graceSeconds * 1000) {
    revokeGrant(state, grant.id, 'rotated refresh token reused');
    throw new OAuthError('invalid_grant', 'the refresh token was already used; the grant is revoked');
  }
  const index = state.tokensByGrant.get(grant.id)!;
  for (const token of index.refresh) {
    const other = state.refreshTokens.get(token)!;
    other.rotatedAt ??= now;
  }
  index.refreshes += 1;
  return issueTokens(state, grant);
}

/** The grant behind a refresh token in any state, for checks that must not rotate it. */
export function peekRefreshGrant(state: TokenState, token: string): Grant | undefined {
  const record = state.refreshTokens.get(token);
  return record && state.grants.get(record.grantId);
}

export function lookupAccessToken(state: TokenState, token: string): AccessTokenInfo | undefined {
  const description = describeToken(state, token);
  if (description?.kind !== 'access') return undefined;
  const { clientId, orgId, patientId, scopes } = description.grant;
  return { clientId, orgId, patientId, scopes, expiresAt: description.expiresAt };
}

/** The live token's facts for introspection; undefined when unknown, expired, rotated or revoked. */
export function describeToken(state: TokenState, token: string): TokenDescription | undefined {
  const now = state.clock.now();
  const access = state.accessTokens.get(token);
  if (access) {
    const grant = findActiveGrant(state, access.grantId);
    if (!grant || access.revokedAt !== undefined || now >= access.expiresAt) return undefined;
    return { kind: 'access', grant, issuedAt: access.issuedAt, expiresAt: access.expiresAt };
  }
  const record = state.refreshTokens.get(token);
  const grant = record && findActiveGrant(state, record.grantId);
  if (!record || !grant || record.rotatedAt !== undefined || record.revokedAt !== undefined) return undefined;
  const end = grant.persistentEnd ?? null;
  if (end !== null && now >= end) return undefined;
  return { kind: 'refresh', grant, issuedAt: record.issuedAt, expiresAt: end };
}

/** RFC 7009: revoking a refresh token ends the grant; revoking an access token ends only that token. */
export function revokeToken(state: TokenState, token: string, clientId: string, orgId: string): void {
  const owns = (grantId: string): boolean => {
    const grant = state.grants.get(grantId);
    return grant?.clientId === clientId && grant.orgId === orgId;
  };
  const access = state.accessTokens.get(token);
  if (access && owns(access.grantId)) access.revokedAt ??= state.clock.now();
  const record = state.refreshTokens.get(token);
  if (record && owns(record.grantId)) revokeGrant(state, record.grantId, 'revoked by client');
}
