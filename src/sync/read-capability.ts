import { RESOURCE_TYPE } from './prepare-resource.ts';

/** What a CapabilityStatement says one type can do, as far as a patient's record is concerned. */
export interface TypeCapability {
  type: string;
  /** Search parameter names listed (empty: the server named none). */
  searchParams: string[];
  /** Whether `search-type` is listed, or no interactions are listed at all. */
  searchable: boolean;
  /** Whether `_revinclude=Provenance:target` is listed for this type's searches. */
  revincludesProvenance: boolean;
}

export interface CapabilityFacts {
  types: TypeCapability[];
  /** Whether `Patient/$everything` is offered (an `everything` operation on Patient or on the server). */
  everything: boolean;
}

/**
 * Reads the parts of `/metadata` the plan needs. Anything malformed is ignored entry by entry; a statement
 * without a usable `rest` gives no types (the plan then falls back to US Core's searches).
 */
export function readCapability(capability: unknown): CapabilityFacts {
  const rest = (capability as { rest?: unknown })?.rest;
  if (!Array.isArray(rest)) return { types: [], everything: false };
  const server = rest.find((r) => (r as { mode?: unknown })?.mode === 'server') ?? rest[0];
  const resources = (server as { resource?: unknown })?.resource;
  const types: TypeCapability[] = [];
  let everything = listsEverything((server as { operation?: unknown })?.operation);
  for (const resource of Array.isArray(resources) ? resources : []) {
    const r = resource as {
      type?: unknown;
      searchParam?: unknown;
      interaction?: unknown;
      searchRevInclude?: unknown;
      operation?: unknown;
    };
    if (typeof r.type !== 'string' || !RESOURCE_TYPE.test(r.type)) continue;
    if (r.type === 'Patient' && listsEverything(r.operation)) everything = true;
    const interactions = readStrings(r.interaction, 'code');
    types.push({
      type: r.type,
      searchParams: readStrings(r.searchParam, 'name'),
      searchable: interactions.length === 0 || interactions.includes('search-type'),
      revincludesProvenance:
        Array.isArray(r.searchRevInclude) && r.searchRevInclude.includes('Provenance:target'),
    });
  }
  return { types, everything };
}

function listsEverything(operations: unknown): boolean {
  return readStrings(operations, 'name').some((name) => name.replace(/^\$/, '') === 'everything');
}

function readStrings(list: unknown, field: string): string[] {
  if (!Array.isArray(list)) return [];
  return list
    .map((item) => (item as Record<string, unknown> | null)?.[field])
    .filter((value): value is string => typeof value === 'string');
}
