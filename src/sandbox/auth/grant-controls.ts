import type { Grant, GrantFilter, GrantSummary } from './grant-model.ts';
import { revokeGrant, type TokenState } from './token-state.ts';

/** Test controls over issued grants (cases 20, 22, 25, 41 need an EHR that takes access away). */

export function selectGrants(state: TokenState, filter: GrantFilter): Grant[] {
  return [...state.grants.values()].filter(
    (grant) =>
      (filter.grantId === undefined || grant.id === filter.grantId) &&
      (filter.orgId === undefined || grant.orgId === filter.orgId) &&
      (filter.clientId === undefined || grant.clientId === filter.clientId) &&
      (filter.patientId === undefined || grant.patientId === filter.patientId),
  );
}

export function summarizeGrant(state: TokenState, grant: Grant): GrantSummary {
  const { id, orgId, clientId, patientId, scopes, period, persistentEnd, revokedReason } = grant;
  const refreshes = state.tokensByGrant.get(id)?.refreshes ?? 0;
  const active = grant.revokedAt === undefined;
  return { id, orgId, clientId, patientId, scopes, period, persistentEnd, active, revokedReason, refreshes };
}

export function revokeGrants(state: TokenState, filter: GrantFilter, reason: string): number {
  const selected = selectGrants(state, filter).filter((grant) => grant.revokedAt === undefined);
  for (const grant of selected) revokeGrant(state, grant.id, reason);
  return selected.length;
}

/** Makes live access tokens fail (401) while the grant and its refresh token stay good. */
export function revokeAccessTokens(state: TokenState, filter: GrantFilter): number {
  const now = state.clock.now();
  let count = 0;
  for (const grant of selectGrants(state, filter)) {
    for (const token of state.tokensByGrant.get(grant.id)?.access ?? []) {
      const record = state.accessTokens.get(token)!;
      if (record.revokedAt === undefined && now < record.expiresAt) {
        record.revokedAt = now;
        count += 1;
      }
    }
  }
  return count;
}

/** Ends persistent access now: the next refresh answers invalid_grant. */
export function endPersistentAccess(state: TokenState, filter: GrantFilter): number {
  const selected = selectGrants(state, filter).filter((grant) => grant.persistentEnd !== undefined);
  for (const grant of selected) grant.persistentEnd = state.clock.now();
  return selected.length;
}
