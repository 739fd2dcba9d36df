import { buildQueryKey, buildSearchPath, type PlannedQuery, type QueryPlan } from './query-plan.ts';
import { splitByScope, type PlanOptions } from './epic-plan.ts';
import { RESOURCE_TYPE } from './prepare-resource.ts';

/** Types a reference points at: read when referenced, not searched by patient. */
const REFERENCE_ONLY = new Set([
  'Patient',
  'Practitioner',
  'PractitionerRole',
  'Organization',
  'Location',
  'Medication',
  'Binary',
]);

/**
 * A plan for any SMART R4 server: every type its CapabilityStatement says can be searched by `patient`,
 * restricted to the granted scopes, plus the Patient read.
 */
export function buildGenericPlan(capability: unknown, options: PlanOptions): QueryPlan {
  const count = String(options.pageSize ?? 100);
  const candidates: PlannedQuery[] = [
    {
      key: 'Patient',
      resourceType: 'Patient',
      category: null,
      path: `Patient/${encodeURIComponent(options.patientId)}`,
      incremental: false,
    },
  ];
  for (const entry of listSearchableTypes(capability)) {
    if (REFERENCE_ONLY.has(entry.type)) continue;
    candidates.push({
      key: buildQueryKey(entry.type, null),
      resourceType: entry.type,
      category: null,
      path: buildSearchPath(entry.type, options.patientId, { _count: count }),
      incremental: entry.lastUpdated,
    });
  }
  return splitByScope('generic', candidates, options.scope);
}

interface SearchableType {
  type: string;
  lastUpdated: boolean;
}

function listSearchableTypes(capability: unknown): SearchableType[] {
  const rest = (capability as { rest?: unknown })?.rest;
  if (!Array.isArray(rest)) return [];
  const server = rest.find((r) => (r as { mode?: unknown })?.mode === 'server') ?? rest[0];
  const resources = (server as { resource?: unknown })?.resource;
  if (!Array.isArray(resources)) return [];
  const found: SearchableType[] = [];
  for (const resource of resources) {
    const r = resource as { type?: unknown; searchParam?: unknown; interaction?: unknown };
    if (typeof r.type !== 'string' || !RESOURCE_TYPE.test(r.type)) continue;
    const params = Array.isArray(r.searchParam)
      ? r.searchParam.map((p) => (p as { name?: unknown })?.name)
      : [];
    const interactions = Array.isArray(r.interaction)
      ? r.interaction.map((i) => (i as { code?: unknown })?.code)
      : [];
    if (!params.includes('patient') || (interactions.length > 0 && !interactions.includes('search-type')))
      continue;
    found.push({ type: r.type, lastUpdated: params.includes('_lastUpdated') });
  }
  return found;
}
