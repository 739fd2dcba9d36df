import { isChartbridgeError } from '../errors.ts';
import type { FhirClient } from '../fhir/fhir-client.ts';
import { parseJsonCapped } from '../fhir/json-limits.ts';
import type { SyncTarget } from '../store/sync-runs-repository.ts';
import { buildEpicPlan } from './epic-plan.ts';
import { buildGenericPlan } from './generic-plan.ts';
import type { QueryPlan } from './query-plan.ts';

/** Trouble with `/metadata` alone that the generic plan survives by falling back to US Core's searches. */
const METADATA_ERRORS = [
  'ERR_FHIR_REAUTH_REQUIRED',
  'ERR_FHIR_RETRYABLE',
  'ERR_FHIR_RESPONSE_INVALID',
  'ERR_SIZE_LIMIT',
];

/**
 * Picks the plan: Epic's when the directory says so or the base looks like Epic's (`…/api/FHIR/R4`), else the
 * generic plan from the server's CapabilityStatement (a payer's endpoint is always generic).
 */
export async function buildPlan(
  client: FhirClient,
  target: SyncTarget,
  pageSize: number,
): Promise<QueryPlan> {
  const kind = target.kind ?? 'provider';
  const options = {
    patientId: target.patient_id,
    scope: target.scope,
    requestedScope: target.requested_scope,
    pageSize,
    kind,
  };
  const epic =
    kind === 'provider' &&
    (target.vendor === 'epic' || (target.vendor === null && /\/api\/FHIR\/R4$/i.test(target.fhir_base)));
  if (epic) return buildEpicPlan(options);
  return buildGenericPlan(await readMetadata(client), options);
}

/**
 * The CapabilityStatement, or undefined when the server would not give one: an error status, a 401 even with a
 * fresh token, a server that kept failing, or a body that is not JSON. A token that is really dead fails the
 * first search the same way, so nothing is hidden by carrying on.
 */
async function readMetadata(client: FhirClient): Promise<unknown> {
  try {
    const response = await client.get('metadata', { what: 'the capability statement' });
    if (response.status >= 300) return undefined;
    return parseJsonCapped(
      response.body,
      { maxDepth: 32, maxStringLength: 1 << 20 },
      'the capability statement',
    );
  } catch (error) {
    if (METADATA_ERRORS.some((code) => isChartbridgeError(error, code as never))) return undefined;
    throw error;
  }
}
