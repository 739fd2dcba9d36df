import type { OrgProfile } from '../profiles/org-profiles.ts';
import { epicCodes } from './epic-outcome.ts';
import { respondForbiddenEmpty, respondOutcome } from './fhir-responses.ts';
import { respondGenericOutcome } from './generic-outcome.ts';
import { isReadForbidden, referenceTypes } from './resource-kinds.ts';

/** FNV-1a of an id: which resources a fault hits is fixed by their id, so every run sees the same ones. */
export function hashId(id: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i += 1) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** How a `flaky-attachments` server treats one Binary: served, always 500, always 403, or only elsewhere. */
export type AttachmentFate = 'binary' | 'error-500' | 'forbidden-403' | 'document-path' | 'external';

export function attachmentFate(profile: OrgProfile, binaryId: string): AttachmentFate {
  if (profile.attachments !== 'flaky') return 'binary';
  const fates: AttachmentFate[] = ['error-500', 'forbidden-403', 'document-path', 'external'];
  return fates[hashId(`fate|${binaryId}`) % 7] ?? 'binary';
}

/**
 * Reads that fail although the resource exists (REAL-WORLD.md "Attachments and references"): Epic's 1-in-5 403
 * (4118) on Practitioner/Organization/Location/…, a 403 on some Encounter reads and a 404 on some Organizations
 * although searches return them; payers' 500 on every Practitioner/Organization/Location; flaky Binaries. The
 * FHIR server and `expectedRecord` both ask here.
 */
export function readFault(profile: OrgProfile, type: string, id: string): Response | undefined {
  if (type === 'Binary') return binaryFault(attachmentFate(profile, id));
  if (profile.sharedReads === 'server-error' && ['Practitioner', 'Organization', 'Location'].includes(type)) {
    return respondGenericOutcome(500, 'exception', `an internal error occurred while reading ${type}`);
  }
  if (profile.sharedReads !== 'epic') return undefined;
  if (type === 'Encounter' && hashId(id) % 9 === 0) return respondOutcome(403, epicCodes.notAuthorized);
  if (type === 'Organization' && hashId(id) % 5 === 1) return respondOutcome(404, epicCodes.invalidId, 'id');
  if (referenceTypes.has(type) && isReadForbidden(type, id))
    return respondOutcome(403, epicCodes.notAuthorized);
  return undefined;
}

function binaryFault(fate: AttachmentFate): Response | undefined {
  if (fate === 'error-500')
    return respondGenericOutcome(500, 'exception', 'the document could not be retrieved');
  if (fate === 'forbidden-403') return respondForbiddenEmpty();
  if (fate === 'document-path' || fate === 'external') return respondOutcome(404, epicCodes.invalidId, 'id');
  return undefined;
}
