import type { FhirResource } from '../model.ts';
import type { OrgProfile } from '../profiles/org-profiles.ts';
import { attachmentFate } from './read-faults.ts';

/** The public test PDF one vendor sandbox points attachments at; the sandbox never fetches it. */
export const externalAttachmentUrl =
  'https://www.w3.org/WAI/ER/tests/xhtml/testfiles/resources/pdf/dummy.pdf';

/** The same-origin, non-Binary path a `flaky-attachments` server serves some attachments' bytes at. */
export function documentPathOf(binaryId: string): string {
  return `document/pdf-${binaryId}`;
}

/**
 * A resource as this profile serves it. `flaky-attachments` points some DocumentReference/DiagnosticReport
 * attachments at `{fhirBase}/document/pdf-{id}` or at an external host instead of `Binary/{id}` (REAL-WORLD.md
 * "Attachments"); the stored resource is never changed, so the choice stays a function of the id.
 */
export function presentResource(profile: OrgProfile, resource: FhirResource, fhirBase: string): FhirResource {
  if (profile.attachments !== 'flaky') return resource;
  const attachments = listAttachments(resource);
  if (!attachments.some((item) => rewriteUrl(profile, item.url, fhirBase) !== item.url)) return resource;
  const copy = structuredClone(resource);
  for (const attachment of listAttachments(copy))
    attachment.url = rewriteUrl(profile, attachment.url, fhirBase);
  return copy;
}

/** The attachments of a DocumentReference (content) or DiagnosticReport (presentedForm). */
export function listAttachments(resource: FhirResource): { url?: string }[] {
  if (resource.resourceType === 'DocumentReference') {
    return ((resource.content as { attachment?: { url?: string } }[] | undefined) ?? []).flatMap(
      (item) => item.attachment ?? [],
    );
  }
  if (resource.resourceType === 'DiagnosticReport') {
    return (resource.presentedForm as { url?: string }[] | undefined) ?? [];
  }
  return [];
}

function rewriteUrl(profile: OrgProfile, url: string | undefined, fhirBase: string): string | undefined {
  const id = url?.startsWith('Binary/') ? url.slice('Binary/'.length) : undefined;
  if (id === undefined) return url;
  const fate = attachmentFate(profile, id);
  if (fate === 'document-path') return `${fhirBase}/${documentPathOf(id)}`;
  if (fate === 'external') return externalAttachmentUrl;
  return url;
}
