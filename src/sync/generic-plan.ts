import { allowsRead } from '../smart/patient-scopes.ts';
import type { PlanOptions } from './epic-plan.ts';
import { splitByScope } from './grant-filter.ts';
import {
  buildQueryKey,
  buildSearchPath,
  type PlannedQuery,
  type QueryPlan,
  patientProvenanceQuery,
} from './query-plan.ts';
import { readCapability, type CapabilityFacts } from './read-capability.ts';
import { buildUsCoreSearches } from './us-core-searches.ts';

/** Types a reference points at: read when referenced, not searched by patient. */
const REFERENCE_ONLY = new Set([
  'Patient',
  'Practitioner',
  'PractitionerRole',
  'Organization',
  'Location',
  'Medication',
  'Binary',
  'RelatedPerson',
]);

/**
 * A plan for any SMART R4 server: the Patient read, then every type its CapabilityStatement says can be searched
 * by `patient` (with `_revinclude=Provenance:target` where listed), restricted to the granted scopes. A statement
 * that could not be read (`capability` undefined), lists no types, or names no search parameters at all gives
 * US Core's patient searches instead. Where `Patient/$everything` is offered (or the endpoint is a payer's), it
 * comes first and the searches run afterwards only for the types it lacked.
 */
export function buildGenericPlan(capability: unknown, options: PlanOptions): QueryPlan {
  const count = String(options.pageSize ?? 100);
  const facts = readCapability(capability);
  const searches = planSearches(facts, options, count);
  const warnings = describeFallback(capability, facts);
  const patientRead: PlannedQuery = {
    key: 'Patient',
    resourceType: 'Patient',
    category: null,
    path: `Patient/${encodeURIComponent(options.patientId)}`,
    incremental: false,
  };
  if (!facts.everything && options.kind !== 'payer')
    return {
      ...splitByScope('generic', [patientRead, ...searches], options.scope, options.requestedScope),
      ...warnings,
    };
  const everything: PlannedQuery = {
    key: buildQueryKey('Patient', '$everything'),
    resourceType: 'Patient',
    category: '$everything',
    path: `Patient/${encodeURIComponent(options.patientId)}/$everything?_count=${count}`,
    incremental: false,
    also: ['*'],
  };
  const plan = splitByScope(
    'generic',
    [patientRead, everything, ...searches],
    options.scope,
    options.requestedScope,
  );
  // The searches (narrowed to a granular grant, they have keys of their own) run after $everything.
  const first = new Set([patientRead.key, everything.key]);
  return {
    ...plan,
    ...warnings,
    queries: plan.queries.filter((query) => first.has(query.key)),
    afterEverything: plan.queries.filter((query) => !first.has(query.key)),
  };
}

function describeFallback(capability: unknown, facts: CapabilityFacts): { warnings?: string[] } {
  if (facts.types.some((t) => t.searchParams.length > 0)) return {};
  const why =
    capability === undefined
      ? 'the capability statement could not be read'
      : facts.types.length === 0
        ? 'the capability statement lists no resource types'
        : 'the capability statement names no search parameters';
  return { warnings: [`${why}; asked for US Core's patient searches instead`] };
}

function planSearches(facts: CapabilityFacts, options: PlanOptions, count: string): PlannedQuery[] {
  const listed = facts.types.filter((t) => !REFERENCE_ONLY.has(t.type));
  if (!facts.types.some((t) => t.searchParams.length > 0)) {
    // Nothing to go on but the names (or not even those): US Core's searches, for the listed types if any.
    const named = buildUsCoreSearches(
      { patientId: options.patientId, count },
      listed.map((t) => t.type),
    );
    return named.length > 0 ? named : buildUsCoreSearches({ patientId: options.patientId, count });
  }
  const revinclude = allowsRead(options.scope, 'Provenance');
  const searches: PlannedQuery[] = [];
  for (const entry of listed) {
    if (!entry.searchParams.includes('patient') || !entry.searchable) continue;
    const withProvenance = revinclude && entry.revincludesProvenance && entry.type !== 'Provenance';
    searches.push({
      key: buildQueryKey(entry.type, null),
      resourceType: entry.type,
      category: null,
      path: buildSearchPath(entry.type, options.patientId, {
        _count: count,
        ...(withProvenance ? { _revinclude: 'Provenance:target' } : {}),
      }),
      incremental: entry.searchParams.includes('_lastUpdated'),
      ...(withProvenance ? { also: ['Provenance'] } : {}),
    });
  }
  // Provenance comes along with the searches where the server includes it (the patient's own with a `Patient?_id`
  // search); else by its own patient search.
  const included = searches.some((query) => query.also?.includes('Provenance'));
  if (!included) return searches;
  return [
    ...searches.filter((query) => query.resourceType !== 'Provenance'),
    patientProvenanceQuery(options.patientId),
  ];
}
