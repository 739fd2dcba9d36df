import { ChartbridgeError } from '../errors.ts';
import type { DirectoryStagingRepository, StagingSummary } from '../store/directory-staging-repository.ts';
import type { BundleItem } from './bundle-entry-stream.ts';
import { mapBundleEntry, type MappedEntry } from './bundle-entry-mapper.ts';
import {
  countReason,
  emptyCounts,
  type ImportCounts,
  type StagedEndpoint,
  type StagedOrganization,
} from '../store/directory-records.ts';

export interface StageOptions {
  source: string | undefined;
  allowLoopback: boolean;
  onProgress?: ((progress: { entries: number }) => void) | undefined;
}

export interface StageResult {
  source: string;
  /** Merges the streaming counts with what the database resolved. */
  toCounts(summary: StagingSummary): ImportCounts;
}

const BATCH = 4000;
const PROGRESS_EVERY = 5000;

/**
 * Writes a bundle's entries into the staging area in batches, so memory holds one batch and the set of ids seen
 * (to drop duplicate Organizations), whatever the size of the file.
 */
export async function stageBundleItems(
  staging: DirectoryStagingRepository,
  importId: string,
  items: AsyncIterable<BundleItem>,
  options: StageOptions,
): Promise<StageResult> {
  const counts = emptyCounts();
  const batch = createBatch(counts);
  let source = options.source;
  let resourceType: unknown;
  for await (const item of items) {
    if (item.kind === 'field') {
      if (item.key === 'resourceType') resourceType = assertBundle(item.value);
      continue;
    }
    counts.entries++;
    source ??= detectSource(item.value);
    batch.add(mapBundleEntry(item.value, { source, allowLoopback: options.allowLoopback, seq: item.index }));
    if (batch.full()) await staging.insertBatch(importId, batch.take());
    if (counts.entries % PROGRESS_EVERY === 0) options.onProgress?.({ entries: counts.entries });
  }
  await staging.insertBatch(importId, batch.take());
  options.onProgress?.({ entries: counts.entries });
  if (resourceType === undefined) assertBundle(undefined);
  return { source: source ?? 'epic-brands', toCounts: (summary) => mergeCounts(counts, summary) };
}

/** Rows waiting to be written, and the ids seen so far (a repeated Organization is skipped and counted). */
function createBatch(counts: ImportCounts) {
  const seenOrganizations = new Set<string>();
  let organizations: StagedOrganization[] = [];
  let endpoints: StagedEndpoint[] = [];
  return {
    add(mapped: MappedEntry) {
      if ('skipped' in mapped) return countReason(counts.skippedEntries, mapped.skipped);
      for (const organization of mapped.organizations) {
        if (seenOrganizations.has(organization.id))
          countReason(counts.skippedEntries, 'duplicate-organization');
        else organizations.push(organization);
        seenOrganizations.add(organization.id);
      }
      for (const endpoint of mapped.endpoints) {
        if (endpoint.skipReason) countReason(counts.skippedEndpoints, endpoint.skipReason);
        endpoints.push(endpoint);
      }
    },
    full: () => organizations.length >= BATCH || endpoints.length >= BATCH,
    take() {
      const taken = { organizations, endpoints };
      organizations = [];
      endpoints = [];
      return taken;
    },
  };
}

function mergeCounts(counts: ImportCounts, summary: StagingSummary): ImportCounts {
  if (summary.duplicateEndpoints > 0) counts.skippedEndpoints.duplicate = summary.duplicateEndpoints;
  if (summary.orphanEndpoints > 0) counts.skippedEndpoints['no-organization'] = summary.orphanEndpoints;
  return {
    ...counts,
    organizations: summary.organizations,
    brands: summary.brands,
    facilities: summary.facilities,
    endpoints: summary.endpoints,
    brokenReferences: summary.brokenReferences,
    organizationsWithoutEndpoint: summary.organizationsWithoutEndpoint,
  };
}

function assertBundle(value: unknown): 'Bundle' {
  if (value === 'Bundle') return value;
  const found = typeof value === 'string' ? `'${value.slice(0, 40)}'` : 'no resourceType';
  throw new ChartbridgeError(
    'ERR_DIRECTORY_INVALID',
    `the directory file is not a FHIR Bundle (found ${found})`,
  );
}

/** Epic's legacy Endpoint Bundle carries each organisation inside its Endpoint; a Brands bundle does not. */
function detectSource(entry: unknown): string {
  const resource = (entry as { resource?: { resourceType?: unknown; contained?: unknown } } | null)?.resource;
  return resource?.resourceType === 'Endpoint' && Array.isArray(resource.contained)
    ? 'epic-endpoints'
    : 'epic-brands';
}
