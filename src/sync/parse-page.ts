import { ChartbridgeError } from '../errors.ts';
import { parseJsonCapped, type JsonLimits } from '../fhir/json-limits.ts';
import { prepareResource } from './prepare-resource.ts';
import { readBundlePage, type BundlePage } from './read-bundle-page.ts';

export interface PageInput {
  body: Buffer;
  limits: JsonLimits;
  /** Names the request in errors, e.g. `the Observation:laboratory search`. */
  what: string;
  /** A read of one resource of this type (the Patient read) instead of a searchset. */
  singleType?: string;
}

/**
 * Everything CPU-bound about one answer: the capped pre-scan, JSON.parse, and preparing each resource (JSON,
 * content hash, version rank). Pure and synchronous, so it runs the same inline or on the parser thread.
 */
export function parsePage(input: PageInput): BundlePage {
  const json = parseJsonCapped(input.body, input.limits, input.what);
  if (input.singleType === undefined) return readBundlePage(json, input.what);
  const prepared = prepareResource(json);
  if (!prepared.ok || prepared.record.resourceType !== input.singleType) {
    throw new ChartbridgeError(
      'ERR_FHIR_RESPONSE_INVALID',
      `${input.what} did not return a ${input.singleType.toLowerCase()}`,
    );
  }
  return { resources: [prepared.record], warnings: [], next: undefined, times: [], dropped: {}, outcomes: 0 };
}
