import type { SandboxDataStore } from '../model.ts';
import { respondGenericOutcome } from './generic-outcome.ts';
import type { RequestScope } from './fhir-app.ts';
import { attachmentFate } from './read-faults.ts';
import { belongsToPatient } from './read-request.ts';
import { allowsByScope } from './scope-access.ts';

/**
 * `{fhirBase}/document/pdf-{binaryId}`: the bytes of an attachment a `flaky-attachments` server serves outside
 * `Binary/` (REAL-WORLD.md "Attachments"), raw, with the Binary's content type, to the patient's own token only.
 */
export function serveDocumentPath(name: string, scope: RequestScope, data: SandboxDataStore): Response {
  const id = name.startsWith('pdf-') ? name.slice('pdf-'.length) : '';
  const notFound = (): Response => respondGenericOutcome(404, 'not-found', 'no such document');
  if (!id || attachmentFate(scope.profile, id) !== 'document-path') return notFound();
  if (!allowsByScope(scope.token.scopes, 'Binary', 'read')) {
    return respondGenericOutcome(403, 'forbidden', 'the access token does not grant access to documents');
  }
  const binary = data.read(scope.orgId, 'Binary', id);
  if (!binary || !belongsToPatient(binary, scope.token.patientId, { data, orgId: scope.orgId }))
    return notFound();
  return new Response(Buffer.from(String(binary.data ?? ''), 'base64'), {
    headers: { 'content-type': String(binary.contentType ?? 'application/octet-stream') },
  });
}
