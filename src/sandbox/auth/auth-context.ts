import type { Context } from 'hono';
import type { Clock } from '../../clock.ts';
import type { Logger } from '../../log/logger.ts';
import type { ClientRegistry } from '../clients/client-registry.ts';
import type { SandboxDataStore, SandboxOrganization } from '../model.ts';
import type { ServerProfile } from '../profiles/server-profile.ts';
import type { BehaviourState } from './auth-behaviour.ts';
import type { ClientAuthenticator } from './client-authenticator.ts';
import type { OrgUrls } from './org-urls.ts';
import type { SandboxSigningKey } from './signing-key.ts';
import type { TokenEndpointCounters } from './token-endpoint-counters.ts';
import type { TokenStore } from './token-store.ts';

/** Everything the authorization server's routes share. */
export interface AuthContext {
  data: SandboxDataStore;
  clients: ClientRegistry;
  clock: Clock;
  log: Logger;
  urlsFor(orgId: string): OrgUrls;
  advertisesIss(orgId: string): boolean;
  tokenOmits(orgId: string): string[];
  /** SMART App Launch 2.0 at this organisation (discovery, consent, registration check); undefined: v1 only. */
  smartV2(orgId: string): ServerProfile['smartV2'];
  store: TokenStore;
  counters: TokenEndpointCounters;
  authenticator: ClientAuthenticator;
  signingKey: SandboxSigningKey;
  /** A key the sandbox never publishes, for id_tokens with a bad signature on request (made on first use). */
  foreignKey(): Promise<SandboxSigningKey>;
  behaviour: BehaviourState;
}

/** The organisation named by the `:orgId` path segment, or undefined (the route answers 404). */
export function findOrganization(ctx: AuthContext, c: Context): SandboxOrganization | undefined {
  const orgId = c.req.param('orgId');
  return orgId === undefined ? undefined : ctx.data.organization(orgId);
}
