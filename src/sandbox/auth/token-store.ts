import { randomUUID } from 'node:crypto';
import type { Clock } from '../../clock.ts';
import type { AccessTokenInfo } from '../model.ts';
import type {
  AccessTokenRecord,
  AuthorizationCodeRecord,
  Grant,
  GrantFilter,
  GrantSummary,
  RefreshTokenRecord,
} from './grant-model.ts';
import { OAuthError } from './oauth-error.ts';
import { computePersistentEnd } from './persistent-access.ts';
import { createRandomToken } from './random-token.ts';

export interface IssuedTokens {
  grant: Grant;
  accessToken: string;
  expiresIn: number;
  refreshToken?: string;
}

export type TokenDescription =
  | { kind: 'access'; grant: Grant; issuedAt: number; expiresAt: number }
  | { kind: 'refresh'; grant: Grant; issuedAt: number; expiresAt: number | null };

const codeLifetimeMs = 2 * 60_000;

/**
 * Everything the authorization server issued: codes, grants, access and refresh tokens, all in memory. Codes are
 * single use (a replay revokes what the code issued); refresh tokens roll with strict single use (reuse outside
 * the grace window revokes the grant), each keeping the first one's end date.
 */
export function createTokenStore(opts: {
  clock: Clock;
  accessTokenTtlSeconds: number;
  graceSeconds: number;
}) {
  const { clock } = opts;
  let accessTtlSeconds = opts.accessTokenTtlSeconds;
  const codes = new Map<string, AuthorizationCodeRecord>();
  const grants = new Map<string, Grant>();
  const accessTokens = new Map<string, AccessTokenRecord>();
  const refreshTokens = new Map<string, RefreshTokenRecord>();
  const tokensByGrant = new Map<string, { access: Set<string>; refresh: Set<string>; refreshes: number }>();

  function createCode(record: Omit<AuthorizationCodeRecord, 'expiresAt'>): string {
    const code = createRandomToken(256);
    codes.set(code, { ...record, expiresAt: clock.now() + codeLifetimeMs });
    return code;
  }

  /** Burns the code whatever happens next, so a failed redemption cannot be retried with other parameters. */
  function redeemCode(code: string): AuthorizationCodeRecord {
    const record = codes.get(code);
    if (!record) throw new OAuthError('invalid_grant', 'the authorization code is invalid');
    if (record.usedAt !== undefined) {
      if (record.grantId) revokeGrant(record.grantId, 'authorization code replayed');
      throw new OAuthError(
        'invalid_grant',
        'the authorization code was already used; its tokens are revoked',
      );
    }
    record.usedAt = clock.now();
    if (clock.now() >= record.expiresAt)
      throw new OAuthError('invalid_grant', 'the authorization code has expired');
    return record;
  }

  function createGrant(code: string, record: AuthorizationCodeRecord): Grant {
    const now = clock.now();
    const grant: Grant = {
      id: randomUUID(),
      orgId: record.orgId,
      clientId: record.clientId,
      patientId: record.patientId,
      scopes: record.scopes,
      period: record.period,
      persistentEnd: record.scopes.includes('offline_access')
        ? computePersistentEnd(record.period, now)
        : undefined,
      createdAt: now,
    };
    grants.set(grant.id, grant);
    tokensByGrant.set(grant.id, { access: new Set(), refresh: new Set(), refreshes: 0 });
    record.grantId = grant.id;
    codes.set(code, record);
    return grant;
  }

  function issueTokens(grant: Grant): IssuedTokens {
    const now = clock.now();
    const index = tokensByGrant.get(grant.id)!;
    const accessToken = createRandomToken(192);
    accessTokens.set(accessToken, {
      grantId: grant.id,
      issuedAt: now,
      expiresAt: now + accessTtlSeconds * 1000,
    });
    index.access.add(accessToken);
    if (grant.persistentEnd === undefined) return { grant, accessToken, expiresIn: accessTtlSeconds };
    const refreshToken = createRandomToken(96);
    refreshTokens.set(refreshToken, { grantId: grant.id, issuedAt: now });
    index.refresh.add(refreshToken);
    return { grant, accessToken, expiresIn: accessTtlSeconds, refreshToken };
  }

  function refresh(refreshToken: string, clientId: string): IssuedTokens {
    const now = clock.now();
    const record = refreshTokens.get(refreshToken);
    const grant = record && grants.get(record.grantId);
    if (!record || !grant) throw new OAuthError('invalid_grant', 'the refresh token is invalid');
    if (grant.clientId !== clientId)
      throw new OAuthError('invalid_grant', 'the refresh token belongs to another client');
    if (grant.revokedAt !== undefined || record.revokedAt !== undefined) {
      throw new OAuthError(
        'invalid_grant',
        'the refresh token was revoked; the patient must authorize again',
      );
    }
    if (grant.persistentEnd !== null && grant.persistentEnd !== undefined && now >= grant.persistentEnd) {
      throw new OAuthError('invalid_grant', 'persistent access has ended; the patient must authorize again');
    }
    if (record.rotatedAt !== undefined && now >= record.rotatedAt + opts.graceSeconds * 1000) {
      revokeGrant(grant.id, 'rotated refresh token reused');
      throw new OAuthError('invalid_grant', 'the refresh token was already used; the grant is revoked');
    }
    const index = tokensByGrant.get(grant.id)!;
    for (const token of index.refresh) {
      const other = refreshTokens.get(token)!;
      if (other.rotatedAt === undefined) other.rotatedAt = now;
    }
    index.refreshes += 1;
    return issueTokens(grant);
  }

  /** The grant behind a refresh token in any state, for checks that must not rotate it. */
  function peekRefreshGrant(token: string): Grant | undefined {
    const record = refreshTokens.get(token);
    return record && grants.get(record.grantId);
  }

  function activeGrant(grantId: string): Grant | undefined {
    const grant = grants.get(grantId);
    return grant && grant.revokedAt === undefined ? grant : undefined;
  }

  function lookupAccessToken(token: string): AccessTokenInfo | undefined {
    const record = accessTokens.get(token);
    const grant = record && activeGrant(record.grantId);
    if (!record || !grant || record.revokedAt !== undefined || clock.now() >= record.expiresAt)
      return undefined;
    const { clientId, orgId, patientId, scopes } = grant;
    return { clientId, orgId, patientId, scopes, expiresAt: record.expiresAt };
  }

  /** The active token's facts for introspection; undefined when unknown, expired, rotated or revoked. */
  function describeToken(token: string): TokenDescription | undefined {
    const access = accessTokens.get(token);
    if (access) {
      const grant = activeGrant(access.grantId);
      if (!grant || access.revokedAt !== undefined || clock.now() >= access.expiresAt) return undefined;
      return { kind: 'access', grant, issuedAt: access.issuedAt, expiresAt: access.expiresAt };
    }
    const record = refreshTokens.get(token);
    const grant = record && activeGrant(record.grantId);
    if (!record || !grant || record.rotatedAt !== undefined || record.revokedAt !== undefined)
      return undefined;
    const end = grant.persistentEnd ?? null;
    if (end !== null && clock.now() >= end) return undefined;
    return { kind: 'refresh', grant, issuedAt: record.issuedAt, expiresAt: end };
  }

  /** RFC 7009: revoking a refresh token ends the grant; revoking an access token ends only that token. */
  function revokeToken(token: string, clientId: string, orgId: string): void {
    const owns = (grantId: string): boolean => {
      const grant = grants.get(grantId);
      return grant?.clientId === clientId && grant.orgId === orgId;
    };
    const access = accessTokens.get(token);
    if (access && owns(access.grantId)) access.revokedAt ??= clock.now();
    const record = refreshTokens.get(token);
    if (record && owns(record.grantId)) revokeGrant(record.grantId, 'revoked by client');
  }

  function revokeGrant(grantId: string, reason: string): void {
    const grant = grants.get(grantId);
    if (!grant || grant.revokedAt !== undefined) return;
    grant.revokedAt = clock.now();
    grant.revokedReason = reason;
  }

  function selectGrants(filter: GrantFilter): Grant[] {
    return [...grants.values()].filter(
      (grant) =>
        (filter.grantId === undefined || grant.id === filter.grantId) &&
        (filter.orgId === undefined || grant.orgId === filter.orgId) &&
        (filter.clientId === undefined || grant.clientId === filter.clientId) &&
        (filter.patientId === undefined || grant.patientId === filter.patientId),
    );
  }

  function summarize(grant: Grant): GrantSummary {
    const { id, orgId, clientId, patientId, scopes, period, persistentEnd, revokedReason } = grant;
    const refreshes = tokensByGrant.get(id)?.refreshes ?? 0;
    const active = grant.revokedAt === undefined;
    return {
      id,
      orgId,
      clientId,
      patientId,
      scopes,
      period,
      persistentEnd,
      active,
      revokedReason,
      refreshes,
    };
  }

  return {
    createCode,
    redeemCode,
    createGrant,
    issueTokens,
    refresh,
    peekRefreshGrant,
    lookupAccessToken,
    describeToken,
    revokeToken,
    grants: (filter: GrantFilter = {}) => selectGrants(filter).map(summarize),
    revokeGrants(filter: GrantFilter = {}, reason = 'revoked by test'): number {
      const selected = selectGrants(filter).filter((grant) => grant.revokedAt === undefined);
      for (const grant of selected) revokeGrant(grant.id, reason);
      return selected.length;
    },
    /** Makes live access tokens fail (401) while the grant and its refresh token stay good. */
    revokeAccessTokens(filter: GrantFilter = {}): number {
      let count = 0;
      for (const grant of selectGrants(filter)) {
        for (const token of tokensByGrant.get(grant.id)?.access ?? []) {
          const record = accessTokens.get(token)!;
          if (record.revokedAt === undefined && clock.now() < record.expiresAt) {
            record.revokedAt = clock.now();
            count += 1;
          }
        }
      }
      return count;
    },
    /** Ends persistent access now: the next refresh answers invalid_grant. */
    endPersistentAccess(filter: GrantFilter = {}): number {
      const selected = selectGrants(filter).filter((grant) => grant.persistentEnd !== undefined);
      for (const grant of selected) grant.persistentEnd = clock.now();
      return selected.length;
    },
    setAccessTokenTtl(seconds: number): void {
      if (!Number.isInteger(seconds) || seconds < 1)
        throw new TypeError('access token ttl must be a positive integer');
      accessTtlSeconds = seconds;
    },
  };
}

export type TokenStore = ReturnType<typeof createTokenStore>;
