/**
 * The one rule for resource ids, everywhere an id is stored, put in a URL or read back (ingest, references,
 * attachments, the read API, export, binary routes).
 *
 * FHIR R4 says 1–64 of `[A-Za-z0-9.-]`; real servers do not: Epic's unconstrained ids run to 130 characters and
 * payers use 90+ character hex strings (../shared/REAL-WORLD.md). So any id is kept that is safe as ONE path
 * segment as it stands: up to 1,024 characters of RFC 3986 `pchar` without percent-encoding (unreserved
 * characters, sub-delimiters, `:` and `@`), and never `.` or `..`. What could escape a path or a URL — `/`, `\`,
 * `%`, `?`, `#`, whitespace, control characters, dot segments — is refused (case 9) and counted as
 * dropped by the caller.
 */
export const MAX_FHIR_ID_LENGTH = 1024;
const SAFE_SEGMENT = /^[A-Za-z0-9\-._~!$&'()*+,;=:@]+$/;

export function isSafeFhirId(id: unknown): id is string {
  return (
    typeof id === 'string' &&
    id.length >= 1 &&
    id.length <= MAX_FHIR_ID_LENGTH &&
    id !== '.' &&
    id !== '..' &&
    SAFE_SEGMENT.test(id)
  );
}

/** Why an id is refused, for the dropped count: a few words, never the id itself (it may carry patient data). */
export function describeUnsafeId(id: unknown): string {
  if (typeof id !== 'string' || id.length === 0) return 'no id';
  if (id.length > MAX_FHIR_ID_LENGTH) return `an id longer than ${MAX_FHIR_ID_LENGTH} characters`;
  return 'an id that is not safe in a url path';
}
