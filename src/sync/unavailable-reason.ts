import type { FhirResponse } from '../fhir/fhir-client.ts';
import { parseJsonCapped } from '../fhir/json-limits.ts';
import { describeOutcome } from './read-bundle-page.ts';

/**
 * Why a query brought nothing, from an HTTP 4xx answer (docs/epic-facts.md §5: classify by status first; bodies may be
 * empty or IIS HTML). 400 keeps the server's own words from its OperationOutcome.
 */
export function describeUnavailable(response: FhirResponse): string {
  const words = readOutcomeWords(response);
  const suffix = words ? `: ${words}` : '';
  switch (response.status) {
    case 400:
      return `rejected by the server (http 400)${suffix}`;
    case 403:
      return `refused by the server (http 403)${suffix}`;
    case 404:
      return `not supported by the server (http 404)${suffix}`;
    default:
      return `not available (http ${response.status})${suffix}`;
  }
}

function readOutcomeWords(response: FhirResponse): string {
  if (!/json/i.test(response.contentType) || response.body.length === 0 || response.body.length > 65_536)
    return '';
  try {
    const json = parseJsonCapped(response.body, { maxDepth: 16, maxStringLength: 4096 }, 'an error body');
    if ((json as { resourceType?: unknown })?.resourceType !== 'OperationOutcome') return '';
    return describeOutcome(json).join('; ');
  } catch {
    return '';
  }
}
