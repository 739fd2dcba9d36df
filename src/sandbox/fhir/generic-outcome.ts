import { respondFhir } from './fhir-responses.ts';

/**
 * An OperationOutcome as non-Epic servers (HAPI-based and other certified EHRs, payers) send them: a FHIR issue
 * code and the server's own words in `diagnostics`, no vendor coding.
 */
export function createGenericOutcome(
  code: string,
  diagnostics: string,
  severity: 'error' | 'fatal' | 'warning' | 'information' = 'error',
): Record<string, unknown> {
  return { resourceType: 'OperationOutcome', issue: [{ severity, code, diagnostics }] };
}

export function respondGenericOutcome(status: number, code: string, diagnostics: string): Response {
  return respondFhir(createGenericOutcome(code, diagnostics), status);
}
