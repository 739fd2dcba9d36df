import type { FhirClient } from '../fhir/fhir-client.ts';
import { parseJsonCapped } from '../fhir/json-limits.ts';
import type { SyncTarget } from '../store/sync-runs-repository.ts';
import { buildEpicPlan } from './epic-plan.ts';
import { buildGenericPlan } from './generic-plan.ts';
import type { QueryPlan } from './query-plan.ts';

/**
 * Picks the plan: Epic's when the directory says so or the base looks like Epic's (`…/api/FHIR/R4`), else the
 * generic plan from the server's CapabilityStatement.
 */
export async function buildPlan(
  client: FhirClient,
  target: SyncTarget,
  pageSize: number,
): Promise<QueryPlan> {
  const options = { patientId: target.patient_id, scope: target.scope, pageSize };
  const epic =
    target.vendor === 'epic' || (target.vendor === null && /\/api\/FHIR\/R4$/i.test(target.fhir_base));
  if (epic) return buildEpicPlan(options);
  const response = await client.get('metadata', { what: 'the capability statement' });
  const capability =
    response.status < 300
      ? parseJsonCapped(response.body, { maxDepth: 32, maxStringLength: 1 << 20 }, 'the capability statement')
      : {};
  return buildGenericPlan(capability, options);
}
