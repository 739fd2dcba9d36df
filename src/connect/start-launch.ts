import type { Clock } from '../clock.ts';
import type { Config } from '../config/config.ts';
import { ChartbridgeError } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import {
  buildAuthorizationUrl,
  buildLaunchScope,
  createPkcePair,
  DEFAULT_RESOURCE_TYPES,
  type PkcePair,
} from '../smart/authorize-url.ts';
import { selectOfferedTypes } from '../smart/patient-scopes.ts';
import { resolveScopeVersion } from '../smart/scope-version.ts';
import type { SmartClient } from '../smart/smart-client.ts';
import type { SmartConfiguration } from '../smart/smart-configuration.ts';
import type { ConnectSessionRow } from '../store/connect-session-repository.ts';
import type { EndpointRow } from '../store/endpoint-repository.ts';
import type { LaunchRow } from '../store/launch-repository.ts';
import type { Repositories } from '../store/repositories.ts';
import { bindingFor, type TokenSealer } from '../vault/token-sealer.ts';
import { resolveClientId } from './client-ids.ts';
import { createId, createRandomToken, hashSecret } from './secrets.ts';

export const LAUNCH_TTL_MS = 15 * 60 * 1000;

export interface LaunchDeps {
  repos: Repositories;
  smart: SmartClient;
  sealer: TokenSealer;
  clock: Clock;
  log: Logger;
  config: Pick<Config, 'publicUrl' | 'redirectUri' | 'clientIds' | 'scopeVersion'>;
}

/** What the callback needs from discovery, pinned at launch time (case 31: no re-discovery at the callback). */
export interface LaunchDiscovery {
  issParameterSupported: boolean;
  jwksUri: string | null;
  introspectionEndpoint: string | null;
  revocationEndpoint: string | null;
}

/**
 * Starts a standalone launch for a connect session: resolves the organisation through the directory (a patient
 * cannot supply a FHIR URL, case 15), discovers (cached), consumes the one-time session, stores state/PKCE/nonce
 * bound to this browser, and returns the EHR authorize URL.
 */
export async function startLaunch(
  deps: LaunchDeps,
  input: { session: ConnectSessionRow; organizationId: string; browserSecret: string },
): Promise<{ launchId: string; authorizeUrl: string }> {
  const endpoint = await findEndpoint(deps, input.organizationId);
  const clientId = resolveClientId(endpoint, deps.config.clientIds);
  const configuration = await deps.smart.discovery.getSmartConfiguration(endpoint.fhir_base);
  const now = deps.clock.now();
  if (!(await deps.repos.connectSessions.consume(input.session.id, now))) {
    throw new ChartbridgeError(
      'ERR_NOT_FOUND',
      'this connect link is unknown, used or expired; ask the app for a new one',
    );
  }
  const secrets = { state: createRandomToken(), nonce: createRandomToken(), pkce: await createPkcePair() };
  const row = await buildLaunchRow(deps, { ...input, endpoint, clientId, configuration, now, ...secrets });
  await deps.repos.launches.insert(row);
  const detail = { launchId: row.id, endpointId: endpoint.id };
  await deps.repos.audit.record(
    { actor: 'patient', action: 'launch.started', userId: row.user_id, detail },
    now,
  );
  deps.log.info(detail, 'launch started');
  const url = buildAuthorizationUrl({
    authorizationEndpoint: row.authorization_endpoint,
    clientId,
    redirectUri: row.redirect_uri,
    scope: row.scope,
    state: secrets.state,
    codeChallenge: secrets.pkce.codeChallenge,
    aud: endpoint.fhir_base,
    nonce: secrets.nonce,
  });
  return { launchId: row.id, authorizeUrl: url.toString() };
}

/** The launch row: only hashes of state and browser secret, the verifier sealed to this row. */
async function buildLaunchRow(
  deps: LaunchDeps,
  input: {
    session: ConnectSessionRow;
    browserSecret: string;
    endpoint: EndpointRow;
    clientId: string;
    configuration: SmartConfiguration;
    now: number;
    state: string;
    nonce: string;
    pkce: PkcePair;
  },
): Promise<LaunchRow> {
  const id = createId('ln');
  const { configuration, endpoint, now } = input;
  return {
    id,
    state_hash: hashSecret(input.state),
    browser_hash: hashSecret(input.browserSecret),
    connect_session_id: input.session.id,
    user_id: input.session.user_id,
    endpoint_id: endpoint.id,
    fhir_base: endpoint.fhir_base,
    issuer: configuration.issuer,
    authorization_endpoint: configuration.authorizationEndpoint,
    token_endpoint: configuration.tokenEndpoint,
    client_id: input.clientId,
    redirect_uri: deps.config.redirectUri,
    scope: buildLaunchScope(
      selectOfferedTypes(DEFAULT_RESOURCE_TYPES, configuration.scopesSupported),
      resolveScopeVersion({
        endpoint: endpoint.scope_version,
        configured: deps.config.scopeVersion,
        vendor: endpoint.vendor,
        capabilities: configuration.capabilities,
      }),
    ),
    code_verifier_sealed: await deps.sealer.seal(
      input.pkce.codeVerifier,
      bindingFor('launches', id, 'code_verifier_sealed'),
    ),
    nonce: input.nonce,
    return_url: input.session.return_url,
    expires_at: now + LAUNCH_TTL_MS,
    used_at: null,
    created_at: now,
    discovery: JSON.stringify(toLaunchDiscovery(configuration)),
    connection_id: null,
    outcome: null,
  };
}

async function findEndpoint(deps: LaunchDeps, organizationId: string) {
  const valid = /^[A-Za-z0-9._:-]{1,200}$/.test(organizationId);
  const endpoint = valid ? await deps.repos.directory.findEndpointForOrganization(organizationId) : undefined;
  if (!endpoint) {
    throw new ChartbridgeError('ERR_NOT_FOUND', 'unknown organization: pick a hospital from the directory');
  }
  return endpoint;
}

function toLaunchDiscovery(configuration: SmartConfiguration): LaunchDiscovery {
  return {
    issParameterSupported: configuration.issParameterSupported,
    jwksUri: configuration.jwksUri ?? null,
    introspectionEndpoint: configuration.introspectionEndpoint ?? null,
    revocationEndpoint: configuration.revocationEndpoint ?? null,
  };
}
