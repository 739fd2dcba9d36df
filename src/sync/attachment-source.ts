import { createHash } from 'node:crypto';
import type { BaseGuard } from '../fhir/base-guard.ts';
import { isSafeFhirId } from '../fhir/fhir-id.ts';

/** Where an attachment lives, and the key its binaries row has. */
export type AttachmentSource =
  /** `{base}/Binary/{id}`: keyed by the Binary's own id, so `GET …/binaries/{id}` finds it. */
  | { kind: 'binary'; key: string; source: string }
  /** Another path under the FHIR base (`{base}/document/pdf-1`): keyed `url-` + a hash of that path. */
  | { kind: 'same-origin'; key: string; source: string }
  /** Another origin, port or path outside the base: keyed `ext-` + a hash of the url; never fetched (C32). */
  | { kind: 'outside'; key: string };

export const MAX_ATTACHMENT_URL = 4096;

/**
 * Classifies an attachment's `url` against the connection's FHIR base. `source` is the path (and query) after
 * the base, so `{base}/{source}` is the url again and the bearer check runs on it once more when it is fetched.
 * Hashed keys are stable, safe as one path segment and carry nothing of the url. Undefined: no usable url.
 */
export function classifyAttachmentUrl(guard: BaseGuard, url: unknown): AttachmentSource | undefined {
  if (typeof url !== 'string' || url.length === 0 || url.length > MAX_ATTACHMENT_URL) return undefined;
  let resolved: URL;
  try {
    resolved = guard.resolve(url);
  } catch {
    return undefined;
  }
  if (resolved.protocol === 'data:' || resolved.protocol === 'cid:') return undefined;
  if (!guard.isUnderBase(resolved)) {
    resolved.hash = '';
    return { kind: 'outside', key: `ext-${digest(resolved.href)}` };
  }
  const basePath = new URL(guard.base).pathname.replace(/\/+$/, '');
  const source = `${resolved.pathname}${resolved.search}`.slice(basePath.length + 1);
  const [type, id, ...rest] = source.split('/');
  if (type === 'Binary' && rest.length === 0 && resolved.search === '' && isSafeFhirId(id))
    return { kind: 'binary', key: id, source };
  return { kind: 'same-origin', key: `url-${digest(source)}`, source };
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 40);
}
