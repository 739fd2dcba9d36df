import type { Clock } from '../../clock.ts';
import type { AccessTokenInfo } from '../model.ts';
import { createCode, createGrant, redeemCode } from './authorization-codes.ts';
import type { AuthorizationCodeRecord, Grant, GrantFilter, GrantSummary } from './grant-model.ts';
import {
  endPersistentAccess,
  revokeAccessTokens,
  revokeGrants,
  selectGrants,
  summarizeGrant,
} from './grant-controls.ts';
import {
  describeToken,
  issueTokens,
  lookupAccessToken,
  peekRefreshGrant,
  refreshTokens,
  revokeToken,
  type IssuedTokens,
  type TokenDescription,
} from './token-issuer.ts';
import { createTokenState } from './token-state.ts';

export type { IssuedTokens, TokenDescription } from './token-issuer.ts';

export interface TokenStore {
  createCode(record: Omit<AuthorizationCodeRecord, 'expiresAt'>): string;
  redeemCode(code: string): AuthorizationCodeRecord;
  createGrant(record: AuthorizationCodeRecord): Grant;
  issueTokens(grant: Grant): IssuedTokens;
  refresh(refreshToken: string, clientId: string): IssuedTokens;
  peekRefreshGrant(refreshToken: string): Grant | undefined;
  lookupAccessToken(token: string): AccessTokenInfo | undefined;
  describeToken(token: string): TokenDescription | undefined;
  revokeToken(token: string, clientId: string, orgId: string): void;
  grants(filter?: GrantFilter): GrantSummary[];
  revokeGrants(filter?: GrantFilter, reason?: string): number;
  revokeAccessTokens(filter?: GrantFilter): number;
  endPersistentAccess(filter?: GrantFilter): number;
  setAccessTokenTtl(seconds: number): void;
}

/**
 * Everything the authorization server issued, in memory: single-use codes (a replay revokes what the code
 * issued), grants, access tokens and rolling single-use refresh tokens that keep the first one's end date.
 */
export function createTokenStore(opts: {
  clock: Clock;
  accessTokenTtlSeconds: number;
  graceSeconds: number;
}): TokenStore {
  const state = createTokenState(opts);
  return {
    createCode: (record) => createCode(state, record),
    redeemCode: (code) => redeemCode(state, code),
    createGrant: (record) => createGrant(state, record),
    issueTokens: (grant) => issueTokens(state, grant),
    refresh: (token, clientId) => refreshTokens(state, token, clientId),
    peekRefreshGrant: (token) => peekRefreshGrant(state, token),
    lookupAccessToken: (token) => lookupAccessToken(state, token),
    describeToken: (token) => describeToken(state, token),
    revokeToken: (token, clientId, orgId) => revokeToken(state, token, clientId, orgId),
    grants: (filter = {}) => selectGrants(state, filter).map((grant) => summarizeGrant(state, grant)),
    revokeGrants: (filter = {}, reason = 'revoked by test') => revokeGrants(state, filter, reason),
    revokeAccessTokens: (filter = {}) => revokeAccessTokens(state, filter),
    endPersistentAccess: (filter = {}) => endPersistentAccess(state, filter),
    setAccessTokenTtl(seconds) {
      if (!Number.isInteger(seconds) || seconds < 1)
        throw new TypeError('access token ttl must be a positive integer');
      state.accessTtlSeconds = seconds;
    },
  };
}
