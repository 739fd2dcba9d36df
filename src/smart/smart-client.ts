import type { Clock } from '../clock.ts';
import { createAssertionClientAuth, type SignAssertion } from './client-auth.ts';
import { createDiscoveryCache, type DiscoveryCache } from './discovery.ts';
import type { SmartTransport } from './oauth-options.ts';
import { createServerClocks } from './server-clock.ts';
import {
  exchangeCode,
  introspectToken,
  refreshTokens,
  revokeToken,
  type CodeExchange,
  type Introspection,
  type PinnedEndpoints,
  type RequestContext,
  type TokenGrant,
} from './token-requests.ts';
import type { TokenSet } from './token-response.ts';

export type { CodeExchange, Introspection, PinnedEndpoints, TokenGrant } from './token-requests.ts';

export interface SmartClient {
  discovery: DiscoveryCache;
  exchangeCode(input: CodeExchange): Promise<TokenSet>;
  refresh(input: { endpoints: PinnedEndpoints; clientId: string; refreshToken: string }): Promise<TokenSet>;
  introspect(input: TokenGrant): Promise<Introspection>;
  revoke(input: TokenGrant): Promise<void>;
}

/**
 * The SMART protocol, stateless apart from the discovery cache and the EHRs' clock offsets: every call names the endpoints it may use, and
 * every token-endpoint request carries a fresh client assertion.
 */
export function createSmartClient(deps: {
  fetch: typeof fetch;
  clock: Clock;
  signAssertion: SignAssertion;
  timeoutMs?: number;
}): SmartClient {
  // Every response from an EHR teaches us its clock, so assertions are valid on its time (case 27).
  const clocks = createServerClocks(deps.clock);
  const transport: SmartTransport = {
    fetch: clocks.observing(deps.fetch),
    timeoutMs: deps.timeoutMs ?? 15_000,
  };
  const clientAuth = createAssertionClientAuth(deps.signAssertion, clocks);
  const ctx: RequestContext = { transport, clientAuth, clock: deps.clock, clocks };
  return {
    discovery: createDiscoveryCache({ transport, clock: deps.clock }),
    exchangeCode: (input) => exchangeCode(ctx, input),
    refresh: (input) => refreshTokens(ctx, input),
    introspect: (input) => introspectToken(ctx, input),
    revoke: (input) => revokeToken(ctx, input),
  };
}
