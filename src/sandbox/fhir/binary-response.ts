import type { FhirResource } from '../model.ts';
import { respondFhir } from './fhir-responses.ts';

const fhirJsonTypes = ['application/fhir+json', 'application/json+fhir', 'application/json'];

/**
 * `Binary/{id}`: the raw bytes when the client asks for the content type (or its `type/*`), otherwise the JSON
 * Binary with base64 `data` (also for `*\/*` or no Accept at all).
 */
export function respondBinary(binary: FhirResource, accept: string): Response {
  const contentType = String(binary.contentType ?? 'application/octet-stream');
  const base = contentType.split(';')[0]!.trim().toLowerCase();
  const wanted = accept.split(',').map((part) => part.split(';')[0]!.trim().toLowerCase());
  const raw =
    !wanted.some((type) => fhirJsonTypes.includes(type)) &&
    wanted.some((type) => type === base || type === `${base.split('/')[0]}/*`);
  if (!raw) return respondFhir(binary);
  return new Response(Buffer.from(String(binary.data ?? ''), 'base64'), {
    headers: { 'content-type': contentType },
  });
}
