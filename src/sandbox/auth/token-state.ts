import type { Clock } from '../../clock.ts';
import type { AccessTokenRecord, AuthorizationCodeRecord, Grant, RefreshTokenRecord } from './grant-model.ts';

/** The authorization server's memory: codes, grants and tokens, plus an index of each grant's tokens. */
export interface TokenState {
  clock: Clock;
  accessTtlSeconds: number;
  graceSeconds: number;
  codes: Map<string, AuthorizationCodeRecord>;
  grants: Map<string, Grant>;
  accessTokens: Map<string, AccessTokenRecord>;
  refreshTokens: Map<string, RefreshTokenRecord>;
  tokensByGrant: Map<string, { access: Set<string>; refresh: Set<string>; refreshes: number }>;
}

export function createTokenState(opts: {
  clock: Clock;
  accessTokenTtlSeconds: number;
  graceSeconds: number;
}): TokenState {
  return {
    clock: opts.clock,
    accessTtlSeconds: opts.accessTokenTtlSeconds,
    graceSeconds: opts.graceSeconds,
    codes: new Map(),
    grants: new Map(),
    accessTokens: new Map(),
    refreshTokens: new Map(),
    tokensByGrant: new Map(),
  };
}

/** Ends a grant: every access and refresh token it issued stops working. The first reason is kept. */
export function revokeGrant(state: TokenState, grantId: string, reason: string): void {
  const grant = state.grants.get(grantId);
  if (!grant || grant.revokedAt !== undefined) return;
  grant.revokedAt = state.clock.now();
  grant.revokedReason = reason;
}

export function findActiveGrant(state: TokenState, grantId: string): Grant | undefined {
  const grant = state.grants.get(grantId);
  return grant && grant.revokedAt === undefined ? grant : undefined;
}
