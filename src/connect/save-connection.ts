import type { PinnedEndpoints } from '../smart/smart-client.ts';
import type { TokenSet } from '../smart/token-response.ts';
import type { LaunchRow } from '../store/launch-repository.ts';
import { bindingFor } from '../vault/token-sealer.ts';
import { createId } from './secrets.ts';
import type { LaunchDeps } from './start-launch.ts';

/**
 * Stores the grant as a connection with sealed tokens. A re-authorisation of the same patient at the same
 * endpoint replaces the old grant on the same connection (the newest grant wins, case 44).
 */
export async function saveConnection(deps: LaunchDeps, input: SaveInput): Promise<string> {
  const { launch, tokens } = input;
  const now = deps.clock.now();
  const existing = await deps.repos.connections.findForPatient(
    launch.user_id,
    launch.endpoint_id,
    tokens.patient!,
  );
  const id = existing?.id ?? createId('con');
  const fields = await buildGrantFields(deps, input, id);
  if (existing) {
    await deps.repos.connections.replaceGrant(id, fields, now);
  } else {
    await deps.repos.connections.insert({
      ...fields,
      id,
      user_id: launch.user_id,
      endpoint_id: launch.endpoint_id,
      patient_id: tokens.patient!,
      token_version: 1,
      refresh_lease_owner: null,
      refresh_lease_until: null,
      refresh_retry_at: null,
      last_sync_at: null,
      created_at: now,
      updated_at: now,
    });
  }
  const refreshable = tokens.refreshToken !== undefined;
  const action = existing ? 'connection.reauthorized' : 'connection.created';
  const detail = { launchId: launch.id, endpointId: launch.endpoint_id, refreshable };
  await deps.repos.audit.record(
    { actor: 'patient', action, connectionId: id, userId: launch.user_id, detail },
    now,
  );
  deps.log.info({ connectionId: id, launchId: launch.id, refreshable }, 'connection saved');
  if (!refreshable)
    await alertNoRefreshToken(deps, { connectionId: id, endpointId: launch.endpoint_id }, now);
  return id;
}

export const NO_REFRESH_TOKEN_HINT =
  'the EHR granted no refresh token, so this connection ends with its access token: enable persistent access (refresh tokens, offline_access) in the app registration, and check that the patient chose a persistent-access period';

/** A grant without a refresh token is a registration problem the operator must see, not a silent downgrade. */
async function alertNoRefreshToken(
  deps: LaunchDeps,
  ids: { connectionId: string; endpointId: string },
  now: number,
): Promise<void> {
  await deps.repos.audit.record(
    {
      actor: 'connect',
      action: 'operator.alert',
      connectionId: ids.connectionId,
      detail: { code: 'ERR_NOT_REFRESHABLE', endpointId: ids.endpointId, hint: NO_REFRESH_TOKEN_HINT },
    },
    now,
  );
  deps.log.warn(
    { ...ids, errorCode: 'ERR_NOT_REFRESHABLE', hint: NO_REFRESH_TOKEN_HINT },
    'no refresh token granted',
  );
}

interface SaveInput {
  launch: LaunchRow;
  endpoints: PinnedEndpoints;
  tokens: TokenSet;
  fhirUser: string | null;
}

/** Everything a grant sets on its connection: pinned endpoints, scopes, sealed tokens bound to the row. */
async function buildGrantFields(deps: LaunchDeps, input: SaveInput, id: string) {
  const { launch, tokens } = input;
  return {
    fhir_base: launch.fhir_base,
    issuer: launch.issuer,
    token_endpoint: launch.token_endpoint,
    revocation_endpoint: input.endpoints.revocationEndpoint ?? null,
    introspection_endpoint: input.endpoints.introspectionEndpoint ?? null,
    client_id: launch.client_id,
    fhir_user: input.fhirUser,
    // RFC 6749 §5.1: a token response without `scope` granted what was asked (REAL-WORLD.md "Tokens").
    scope: tokens.scope || launch.scope,
    requested_scope: launch.scope,
    access_token_sealed: await deps.sealer.seal(
      tokens.accessToken,
      bindingFor('connections', id, 'access_token_sealed'),
    ),
    refresh_token_sealed: tokens.refreshToken
      ? await deps.sealer.seal(tokens.refreshToken, bindingFor('connections', id, 'refresh_token_sealed'))
      : null,
    access_expires_at: tokens.accessExpiresAt,
    persistent_access_ends_at: await findPersistentAccessEnd(deps, input, id),
    refreshable: tokens.refreshToken ? 1 : 0,
    status: 'active' as const,
    status_reason: null,
  };
}

/** Persistent access ends when the refresh token does (docs/epic-facts.md §4); introspection tells, where offered. */
async function findPersistentAccessEnd(
  deps: LaunchDeps,
  input: { launch: LaunchRow; endpoints: PinnedEndpoints; tokens: TokenSet },
  connectionId: string,
): Promise<number | null> {
  if (!input.tokens.refreshToken || !input.endpoints.introspectionEndpoint) return null;
  try {
    const result = await deps.smart.introspect({
      endpoints: input.endpoints,
      clientId: input.launch.client_id,
      token: input.tokens.refreshToken,
      hint: 'refresh_token',
    });
    return result.active ? (result.expiresAt ?? null) : null;
  } catch (error) {
    deps.log.warn(
      { connectionId, errorCode: (error as { code?: string }).code },
      'introspection failed; persistent-access end unknown',
    );
    return null;
  }
}
