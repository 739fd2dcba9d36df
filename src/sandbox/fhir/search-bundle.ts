import type { FhirResource, SandboxDataStore } from '../model.ts';
import { createOutcome, epicCodes, type EpicCode } from './epic-outcome.ts';
import type { SearchPage } from './search-sessions.ts';

export interface PageContext {
  fhirBase: string;
  selfUrl: string;
  nextUrl?: string;
  data: SandboxDataStore;
}

/**
 * One searchset page, Epic-style: the page's matches, Provenance includes when asked, and always a last entry
 * with an OperationOutcome (`search.mode: outcome`): 4101 when the search found nothing, 4119 otherwise, plus
 * any warnings of the search (59204). `total` is the number of matches on this page, as unreliable as Epic's.
 */
export function buildSearchPage(
  page: SearchPage,
  ctx: PageContext,
): { bundle: Record<string, unknown>; served: number } {
  const { search, offset } = page;
  const resources: FhirResource[] = [];
  for (const index of search.matches.slice(offset, offset + search.count)) {
    const resource = search.source[index];
    if (resource) resources.push(resource);
  }
  const includes = search.revincludeProvenance ? findProvenance(resources, search, ctx.data) : [];
  const issues: { code: EpicCode }[] = [
    { code: search.matches.length === 0 ? epicCodes.noResults : epicCodes.partialRecord },
    ...search.warnings.map((code) => ({ code })),
  ];
  const entry = [
    ...resources.map((resource) => toEntry(resource, ctx.fhirBase, 'match')),
    ...includes.map((resource) => toEntry(resource, ctx.fhirBase, 'include')),
    { resource: createOutcome(issues), search: { mode: 'outcome' } },
  ];
  const link = [{ relation: 'self', url: ctx.selfUrl }];
  if (ctx.nextUrl) link.push({ relation: 'next', url: ctx.nextUrl });
  return {
    bundle: { resourceType: 'Bundle', type: 'searchset', total: resources.length, link, entry },
    served: resources.length + includes.length,
  };
}

function toEntry(
  resource: FhirResource,
  fhirBase: string,
  mode: 'match' | 'include',
): Record<string, unknown> {
  return {
    link: [{ relation: 'self', url: `${fhirBase}/${resource.resourceType}/${resource.id}` }],
    fullUrl: `${fhirBase}/${resource.resourceType}/${resource.id}`,
    resource,
    search: { mode },
  };
}

function findProvenance(
  resources: FhirResource[],
  search: SearchPage['search'],
  data: SandboxDataStore,
): FhirResource[] {
  const wanted = new Set(resources.map((resource) => `${resource.resourceType}/${resource.id}`));
  return data
    .patientResources(search.orgId, search.patientId, 'Provenance')
    .filter((provenance) =>
      ((provenance.target as { reference?: string }[] | undefined) ?? []).some((target) =>
        wanted.has(target.reference ?? ''),
      ),
    );
}
