import type { AccessPeriodKey } from './persistent-access.ts';

export type TokenResponseTamper = (body: Record<string, unknown>) => Record<string, unknown> | Response;

export interface IdTokenTamper {
  /** Claims merged over the real ones (e.g. another `iss`, `aud`, `fhirUser`, or an `exp` in the past). */
  claims?: Record<string, unknown>;
  /** Sign with a key the sandbox does not publish (a bad signature for the client). */
  foreignKey?: boolean;
}

/**
 * Switches that make the authorization server misbehave on purpose, so the connector's defences (cases
 * 4–7, 33) can be tested against a real server. Everything is off by default.
 */
export interface AuthBehaviour {
  setAutoApprove(on: boolean, period?: AccessPeriodKey): void;
  /** Fields merged over an organisation's smart-configuration; undefined restores it. */
  overrideDiscovery(orgId: string, patch: Record<string, unknown> | undefined): void;
  /** The `iss` the authorize redirect carries: the issuer (default), none, or another value. */
  setResponseIss(
    orgId: string,
    iss: { mode: 'issuer' } | { mode: 'omit' } | { mode: 'value'; value: string },
  ): void;
  /** Rewrites token responses (both grants) until cleared; return a Response to send a non-JSON body. */
  tamperTokenResponse(tamper: TokenResponseTamper | undefined): void;
  tamperIdToken(tamper: IdTokenTamper | undefined): void;
  /**
   * The consent boxes an auto-approving patient leaves ticked (types like `Condition`, categories like
   * `Observation:laboratory`; consent-choices.ts); undefined: everything asked, as before.
   */
  setConsent(shared: string[] | undefined): void;
}

export interface BehaviourState {
  autoApprove: boolean;
  autoApprovePeriod: AccessPeriodKey;
  discovery: Map<string, Record<string, unknown>>;
  responseIss: Map<string, { mode: 'issuer' } | { mode: 'omit' } | { mode: 'value'; value: string }>;
  tokenTamper?: TokenResponseTamper;
  idTokenTamper?: IdTokenTamper;
  consentShared?: Set<string>;
}

export function createBehaviour(initial: { autoApprove: boolean; autoApprovePeriod: AccessPeriodKey }): {
  state: BehaviourState;
  behaviour: AuthBehaviour;
} {
  const state: BehaviourState = { ...initial, discovery: new Map(), responseIss: new Map() };
  const behaviour: AuthBehaviour = {
    setAutoApprove(on, period) {
      state.autoApprove = on;
      if (period) state.autoApprovePeriod = period;
    },
    overrideDiscovery(orgId, patch) {
      if (patch) state.discovery.set(orgId, patch);
      else state.discovery.delete(orgId);
    },
    setResponseIss(orgId, iss) {
      state.responseIss.set(orgId, iss);
    },
    tamperTokenResponse(tamper) {
      state.tokenTamper = tamper;
    },
    tamperIdToken(tamper) {
      state.idTokenTamper = tamper;
    },
    setConsent(shared) {
      state.consentShared = shared ? new Set(shared) : undefined;
    },
  };
  return { state, behaviour };
}
