import type { ApproveStep, PortalOrg, PortalState } from './portal-state.ts';

/**
 * `POST /Developer/ApproveDownload` as Epic answers it (docs/epic-facts.md §6). Form fields are read with Epic's exact names;
 * the JSON shape is `{Success, Message, Data: {Success, Message}}` and both flags must be true for success.
 */
export const APPROVE_FIELDS = [
  'OrgId',
  'AppId',
  'Testhash',
  'Testhash256',
  'Prodhash',
  'Prodhash256',
  'NonProdOnly',
  'ProdOnly',
  'FhirIdGenerationScheme',
  'OverrideNonProdClientId',
  'OverrideProdClientId',
  'TestJWKS',
  'ProdJWKS',
] as const;

export interface PortalJsonAnswer {
  Success: boolean;
  Message: string | null;
  Data: { Success: boolean; Message: string | null } | null;
}

export const MESSAGES = {
  notFound: 'Download request could not be found.',
  failedToRegister: 'Failed to register client for download.',
  invalidRequest: 'The request is invalid.',
  nonProdFirst: 'Non-production keys must be enabled before production keys.',
  jwksRequired: 'A JWK Set is required for both environments when uploading keys directly.',
  jwksInvalid: 'The JWK Set is not valid JSON with a "keys" array.',
  rsaOnly: 'Only RSA keys can be uploaded directly. Use a JWK Set URL for EC keys.',
  publicOnly: 'The JWK Set must contain public keys only.',
} as const;

export function answerApproveDownload(state: PortalState, form: Record<string, string>): PortalJsonAnswer {
  if (APPROVE_FIELDS.some((name) => typeof form[name] !== 'string'))
    return outerFailure(MESSAGES.invalidRequest);
  const org = state.orgs.get(form.OrgId!);
  if (!org || form.AppId !== state.appId) return outerFailure(MESSAGES.notFound);
  const counts = state.countsFor(org.orgId);
  counts.calls++;
  const step = readStep(form);
  if (typeof step !== 'string') return outerFailure(step.error);
  if (step === 'direct') {
    const problem = checkJwks(form.TestJWKS!) ?? checkJwks(form.ProdJWKS!);
    if (problem) return innerFailure(problem);
  }
  if (step === 'prod' && org.approved === 0) return innerFailure(MESSAGES.nonProdFirst);
  if (org.alwaysFails) return innerFailure(MESSAGES.failedToRegister);
  const alreadyDone = step === 'nonprod' ? org.approved !== 0 : org.approved === 1;
  applyStep(org, step, form);
  if (alreadyDone) counts.redundant++;
  else counts.succeeded[step]++;
  return { Success: true, Message: null, Data: { Success: true, Message: null } };
}

function readStep(form: Record<string, string>): ApproveStep | { error: string } {
  const nonProdOnly = readBoolean(form.NonProdOnly!);
  const prodOnly = readBoolean(form.ProdOnly!);
  if (nonProdOnly === undefined || prodOnly === undefined || (nonProdOnly && prodOnly)) {
    return { error: MESSAGES.invalidRequest };
  }
  if (nonProdOnly) return 'nonprod';
  if (prodOnly) return 'prod';
  if (!form.TestJWKS || !form.ProdJWKS) return { error: MESSAGES.jwksRequired };
  return 'direct';
}

function readBoolean(value: string): boolean | undefined {
  const lower = value.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false' || lower === '') return false;
  return undefined;
}

function applyStep(org: PortalOrg, step: ApproveStep, form: Record<string, string>): void {
  if (step === 'nonprod') {
    if (org.approved === 0) org.approved = 3;
    return;
  }
  if (step === 'direct') {
    org.testJwks = form.TestJWKS!;
    org.prodJwks = form.ProdJWKS!;
  }
  org.approved = 1;
}

function checkJwks(text: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return MESSAGES.jwksInvalid;
  }
  const keys = (parsed as { keys?: unknown })?.keys;
  if (!Array.isArray(keys) || keys.length === 0) return MESSAGES.jwksInvalid;
  for (const key of keys as Record<string, unknown>[]) {
    if (key?.kty !== 'RSA' || typeof key.n !== 'string' || typeof key.e !== 'string') return MESSAGES.rsaOnly;
    if (['d', 'p', 'q', 'dp', 'dq', 'qi'].some((member) => member in key)) return MESSAGES.publicOnly;
  }
  return undefined;
}

function outerFailure(message: string): PortalJsonAnswer {
  return { Success: false, Message: message, Data: null };
}

function innerFailure(message: string): PortalJsonAnswer {
  return { Success: true, Message: null, Data: { Success: false, Message: message } };
}
