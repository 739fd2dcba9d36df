import { ChartbridgeError, isChartbridgeError } from '../errors.ts';
import { validateCallbackParameters } from '../smart/callback-response.ts';
import { verifyIdToken } from '../smart/id-token.ts';
import type { LaunchRow } from '../store/launch-repository.ts';
import { bindingFor } from '../vault/token-sealer.ts';
import { saveConnection } from './save-connection.ts';
import { hashSecret } from './secrets.ts';
import type { LaunchDeps, LaunchDiscovery } from './start-launch.ts';

/** Where the callback queues the connection's first sync (services.jobs); payloads carry ids only. */
export interface SyncQueue {
  send(name: 'sync', data: { connectionId: string }): Promise<unknown>;
}

export interface CallbackResult {
  launchId: string;
  connectionId: string;
  returnUrl: string | null;
}

/**
 * Completes the callback: the state must name an unused, unexpired launch started in this very browser (cases
 * 1, 29); the issuer must match (case 4); the code goes only to the launch's pinned token endpoint with the
 * launch's own PKCE verifier (cases 30, 31); the id_token is checked (case 7); then the connection is saved and its
 * first sync queued.
 */
export async function completeCallback(
  deps: LaunchDeps & { transportTimeoutMs?: number; fetch: typeof fetch; jobs: SyncQueue },
  input: { params: URLSearchParams; browserSecret: string | undefined },
): Promise<CallbackResult> {
  const launch = await findLaunchForBrowser(deps, input.params.get('state'), input.browserSecret);
  const now = deps.clock.now();
  if (!(await deps.repos.launches.consume(launch.id, now))) throw stateError();
  try {
    const connectionId = await redeem(deps, launch, input.params);
    await deps.repos.launches.finish(launch.id, { connectionId });
    await queueSync(deps, connectionId);
    return { launchId: launch.id, connectionId, returnUrl: launch.return_url };
  } catch (error) {
    const code = isChartbridgeError(error) ? error.code : 'ERR_UNEXPECTED';
    await deps.repos.launches.finish(launch.id, { errorCode: code });
    await deps.repos.audit.record(
      {
        actor: 'patient',
        action: 'launch.failed',
        userId: launch.user_id,
        detail: { launchId: launch.id, code },
      },
      deps.clock.now(),
    );
    deps.log.warn({ launchId: launch.id, errorCode: code }, 'launch failed');
    throw error;
  }
}

/**
 * The record starts flowing at once: a sync job for the new (or re-authorised) connection. The connection stands
 * even when the queue is unreachable; the scheduler's safety net queues a never-synced connection's sync later.
 */
async function queueSync(deps: { jobs: SyncQueue; log: LaunchDeps['log'] }, connectionId: string) {
  try {
    await deps.jobs.send('sync', { connectionId });
  } catch (error) {
    const err = isChartbridgeError(error) ? error.code : ((error as Error)?.name ?? 'error');
    deps.log.warn({ connectionId, err }, 'could not queue the first sync; the scheduler will queue it');
  }
}

async function findLaunchForBrowser(
  deps: LaunchDeps,
  state: string | null,
  browserSecret: string | undefined,
): Promise<LaunchRow> {
  if (!state) throw stateError();
  const launch = await deps.repos.launches.findByStateHash(hashSecret(state));
  // Another browser's state must not even consume the launch: its owner may still complete it.
  if (!launch || !browserSecret || hashSecret(browserSecret) !== launch.browser_hash) throw stateError();
  if (launch.used_at !== null || launch.expires_at <= deps.clock.now()) throw stateError();
  return launch;
}

async function redeem(
  deps: LaunchDeps & { fetch: typeof fetch },
  launch: LaunchRow,
  params: URLSearchParams,
): Promise<string> {
  const discovery = JSON.parse(launch.discovery ?? '{}') as LaunchDiscovery;
  const callbackParameters = validateCallbackParameters(params, {
    issuer: launch.issuer,
    issParameterSupported: discovery.issParameterSupported === true,
    clientId: launch.client_id,
  });
  const codeVerifier = await deps.sealer.unseal(
    launch.code_verifier_sealed,
    bindingFor('launches', launch.id, 'code_verifier_sealed'),
  );
  const endpoints = {
    issuer: launch.issuer,
    tokenEndpoint: launch.token_endpoint,
    introspectionEndpoint: discovery.introspectionEndpoint,
    revocationEndpoint: discovery.revocationEndpoint,
  };
  const tokens = await deps.smart.exchangeCode({
    endpoints,
    clientId: launch.client_id,
    callbackParameters,
    redirectUri: launch.redirect_uri,
    codeVerifier,
  });
  const claims = tokens.idToken
    ? await verifyIdToken(
        tokens.idToken,
        {
          issuer: launch.issuer,
          clientId: launch.client_id,
          jwksUri: discovery.jwksUri ?? undefined,
          fhirBase: launch.fhir_base,
          nonce: launch.nonce,
        },
        { transport: { fetch: deps.fetch, timeoutMs: 15_000 }, clock: deps.clock },
      )
    : undefined;
  return saveConnection(deps, { launch, endpoints, tokens, fhirUser: claims?.fhirUser ?? null });
}

function stateError(): ChartbridgeError {
  return new ChartbridgeError(
    'ERR_STATE_INVALID',
    'this sign-in link is unknown, expired, already used or was started in another browser; start the connection again',
  );
}
