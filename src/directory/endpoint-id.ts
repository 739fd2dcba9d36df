import { createHash } from 'node:crypto';
import { isLoopbackUrl } from '../smart/oauth-options.ts';

export type FhirBaseCheck =
  | { ok: true; fhirBase: string; key: string }
  | { ok: false; reason: 'invalid-url' | 'not-https' | 'credentials-in-url' };

/**
 * Validates a published FHIR base and returns the form we store (host lower-cased, no trailing slash, no query)
 * and its dedupe key (the whole URL lower-cased: Epic publishes the same server as `FHIR.KP.ORG/...` and
 * `fhir.kp.org/...`). Plain http only for loopback hosts, and only when the caller allows it (the sandbox).
 */
export function checkFhirBase(address: string, options: { allowLoopback: boolean }): FhirBaseCheck {
  let url: URL;
  try {
    url = new URL(address.trim());
  } catch {
    return { ok: false, reason: 'invalid-url' };
  }
  if (url.username || url.password) return { ok: false, reason: 'credentials-in-url' };
  const loopbackHttp = url.protocol === 'http:' && options.allowLoopback && isLoopbackUrl(url.href);
  if (url.protocol !== 'https:' && !loopbackHttp) return { ok: false, reason: 'not-https' };
  url.search = '';
  url.hash = '';
  const fhirBase = url.href.replace(/\/+$/, '');
  return { ok: true, fhirBase, key: fhirBase.toLowerCase() };
}

/**
 * Endpoint ids derive from the dedupe key, so the same server keeps its id across imports and sources and every
 * connection that points at it survives a directory update.
 */
export function toEndpointId(key: string): string {
  return `ep_${createHash('sha256').update(key).digest('base64url').slice(0, 22)}`;
}

/** Organisation ids derive from the source and the bundle's own resource id, stable across updates. */
export function toOrganizationId(source: string, resourceId: string): string {
  return `org_${createHash('sha256').update(`${source}\u0000${resourceId}`).digest('base64url').slice(0, 22)}`;
}
