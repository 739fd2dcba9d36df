/** One organisation read from a bundle, its references not yet resolved (the bundle's own strings). */
export interface StagedOrganization {
  id: string;
  refUrl: string | null;
  refLocal: string;
  name: string;
  kind: 'brand' | 'facility';
  partOfRef: string | null;
  endpointRef: string | null;
  aliases: string[];
  city: string | null;
  state: string | null;
  postalCode: string | null;
  website: string | null;
  logoUrl: string | null;
  portalName: string | null;
  portalUrl: string | null;
  searchText: string;
}

/** One Endpoint read from a bundle; `id` and `fhirBase` are null when it was skipped (`skipReason`). */
export interface StagedEndpoint {
  seq: number;
  id: string | null;
  refUrl: string | null;
  refLocal: string;
  fhirBase: string | null;
  name: string;
  managingRef: string | null;
  portalOrgId: string | null;
  skipReason: string | null;
}

/** What an import found, kept, skipped and could not resolve (case 13 wants the counts). */
export interface ImportCounts {
  entries: number;
  organizations: number;
  brands: number;
  facilities: number;
  endpoints: number;
  /** Endpoints skipped by reason: `not-https`, `invalid-url`, `inactive`, `duplicate`, … */
  skippedEndpoints: Record<string, number>;
  /** Entries that are not usable Organizations or Endpoints, by reason. */
  skippedEntries: Record<string, number>;
  /** `partOf` and endpoint references that point at nothing in the bundle. */
  brokenReferences: number;
  /** Organisations with no endpoint of their own or through their brand (not offered by search). */
  organizationsWithoutEndpoint: number;
}

export interface DirectoryDiff {
  added: number;
  removed: number;
  renamed: number;
  moved: number;
  endpointsAdded: number;
  endpointsRemoved: number;
  /** A few examples of each change, for the operator's summary. */
  examples: { added: string[]; removed: string[]; renamed: string[]; moved: string[] };
}

export function emptyCounts(): ImportCounts {
  return {
    entries: 0,
    organizations: 0,
    brands: 0,
    facilities: 0,
    endpoints: 0,
    skippedEndpoints: {},
    skippedEntries: {},
    brokenReferences: 0,
    organizationsWithoutEndpoint: 0,
  };
}

export function countReason(counter: Record<string, number>, reason: string): void {
  counter[reason] = (counter[reason] ?? 0) + 1;
}
