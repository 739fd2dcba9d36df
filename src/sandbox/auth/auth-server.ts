import { Hono } from 'hono';
import type { Clock } from '../../clock.ts';
import type { Logger } from '../../log/logger.ts';
import type { ClientRegistry } from '../clients/client-registry.ts';
import type { ServerProfile } from '../profiles/server-profile.ts';
import type { AccessTokenInfo, SandboxDataStore } from '../model.ts';
import { createBehaviour, type AuthBehaviour } from './auth-behaviour.ts';
import type { AuthContext } from './auth-context.ts';
import { registerAuthorizeRoutes } from './authorize-routes.ts';
import { createClientAuthenticator } from './client-authenticator.ts';
import type { GrantFilter, GrantSummary } from './grant-model.ts';
import { registerIntrospectAndRevoke } from './introspect-revoke-routes.ts';
import { createJwksCache } from './jwks-cache.ts';
import type { OrgUrls } from './org-urls.ts';
import type { AccessPeriodKey } from './persistent-access.ts';
import { createSandboxSigningKey } from './signing-key.ts';
import { registerSmartConfiguration } from './smart-configuration.ts';
import { createTokenEndpointCounters, type TokenEndpointCalls } from './token-endpoint-counters.ts';
import { registerTokenRoute } from './token-route.ts';
import { createTokenStore } from './token-store.ts';

export type { AuthBehaviour } from './auth-behaviour.ts';
export type { GrantFilter, GrantSummary } from './grant-model.ts';

/** What tests and the FHIR server see of the issued tokens, plus controls to expire and revoke them. */
export interface SandboxTokens {
  /** The FHIR server's bearer check: undefined when unknown, expired, revoked or its grant is gone. */
  lookupAccessToken(token: string): AccessTokenInfo | undefined;
  grants(filter?: GrantFilter): GrantSummary[];
  /** Revokes whole grants (every access and refresh token): the next refresh answers invalid_grant. */
  revokeGrants(filter?: GrantFilter): number;
  /** Invalidates live access tokens only (FHIR answers 401; a refresh still works). */
  revokeAccessTokens(filter?: GrantFilter): number;
  /** Ends persistent access now (refresh answers invalid_grant; live access tokens keep working). */
  endPersistentAccess(filter?: GrantFilter): number;
  /** Lifetime of access tokens issued from now on. */
  setAccessTokenTtl(seconds: number): void;
  /** Token-endpoint calls per grant type, successful or not. */
  tokenEndpointCalls(): TokenEndpointCalls;
  /** How many refresh calls presented this refresh token. */
  refreshCallsFor(refreshToken: string): number;
  /** How many times a client JWK Set was fetched (one URL or all). */
  jwksFetches(jwksUrl?: string): number;
  resetCounters(): void;
}

export interface AuthServerOptions {
  data: SandboxDataStore;
  clients: ClientRegistry;
  clock: Clock;
  log: Logger;
  fetch: typeof fetch;
  urlsFor(orgId: string): OrgUrls;
  advertisesIss(orgId: string): boolean;
  /** Token-response members an organisation leaves out (its server profile); default none. */
  tokenOmits?(orgId: string): string[];
  /** An organisation's SMART App Launch 2.0 settings (its server profile); default none (v1 only). */
  smartV2?(orgId: string): ServerProfile['smartV2'];
  autoApprove: boolean;
  autoApprovePeriod: AccessPeriodKey;
  graceSeconds: number;
  accessTokenTtlSeconds: number;
}

export interface AuthServer {
  /** Routes under `/:orgId/oauth2/…` and `/:orgId/api/FHIR/R4/.well-known/smart-configuration`. */
  app: Hono;
  tokens: SandboxTokens;
  behaviour: AuthBehaviour;
  /** The sandbox's id_token signing key set (public members only). */
  publicJwks: { keys: object[] };
}

/** The sandbox's SMART authorization server for every organisation of the data store. */
export async function createAuthServer(options: AuthServerOptions): Promise<AuthServer> {
  const { clock } = options;
  const store = createTokenStore({
    clock,
    accessTokenTtlSeconds: options.accessTokenTtlSeconds,
    graceSeconds: options.graceSeconds,
  });
  const counters = createTokenEndpointCounters();
  const jwks = createJwksCache({ fetch: options.fetch, clock });
  const { state, behaviour } = createBehaviour({
    autoApprove: options.autoApprove,
    autoApprovePeriod: options.autoApprovePeriod,
  });
  const ctx: AuthContext = {
    data: options.data,
    clients: options.clients,
    clock,
    log: options.log,
    urlsFor: options.urlsFor,
    advertisesIss: options.advertisesIss,
    tokenOmits: options.tokenOmits ?? (() => []),
    smartV2: options.smartV2 ?? (() => undefined),
    store,
    counters,
    authenticator: createClientAuthenticator({ clients: options.clients, jwks, clock }),
    signingKey: await createSandboxSigningKey(),
    foreignKey: memoize(createSandboxSigningKey),
    behaviour: state,
  };
  const app = new Hono();
  registerSmartConfiguration(app, ctx);
  registerAuthorizeRoutes(app, ctx);
  registerTokenRoute(app, ctx);
  registerIntrospectAndRevoke(app, ctx);

  const tokens: SandboxTokens = {
    lookupAccessToken: store.lookupAccessToken,
    grants: store.grants,
    revokeGrants: (filter) => store.revokeGrants(filter),
    revokeAccessTokens: store.revokeAccessTokens,
    endPersistentAccess: store.endPersistentAccess,
    setAccessTokenTtl: store.setAccessTokenTtl,
    tokenEndpointCalls: counters.calls,
    refreshCallsFor: counters.refreshCallsFor,
    jwksFetches: jwks.fetchCount,
    resetCounters: counters.reset,
  };
  return { app, tokens, behaviour, publicJwks: { keys: [ctx.signingKey.publicJwk] } };
}

function memoize<T>(create: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => (value ??= create());
}
