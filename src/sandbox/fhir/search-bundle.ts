import type { FhirResource, SandboxDataStore } from '../model.ts';
import type { OrgProfile } from '../profiles/org-profiles.ts';
import { presentResource } from './attachment-urls.ts';
import { createOutcome, epicCodes, type EpicCode } from './epic-outcome.ts';
import type { SearchPage } from './search-sessions.ts';

export interface PageContext {
  fhirBase: string;
  selfUrl: string;
  nextUrl?: string;
  data: SandboxDataStore;
  profile: OrgProfile;
}

/**
 * One searchset page: the page's matches and Provenance includes when asked. Epic-style (`outcomeEntry: epic`)
 * always ends with an OperationOutcome entry (`search.mode: outcome`): 4101 when the search found nothing, 4119
 * otherwise, plus any warnings of the search (59204); `empty-only` servers send the 4101 alone on empty
 * searches. `total` follows the profile: this page's count (Epic), exact, or missing/wrong (`unreliable`).
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
  const entry = [
    ...resources.map((resource) =>
      toEntry(presentResource(ctx.profile, resource, ctx.fhirBase), ctx.fhirBase, 'match'),
    ),
    ...includes.map((resource) => toEntry(resource, ctx.fhirBase, 'include')),
    ...outcomeEntries(ctx.profile, search),
  ];
  const link = [{ relation: 'self', url: ctx.selfUrl }];
  if (ctx.nextUrl) link.push({ relation: 'next', url: ctx.nextUrl });
  const total = readTotal(ctx.profile, search.matches.length, resources.length, offset);
  return {
    bundle: {
      resourceType: 'Bundle',
      type: 'searchset',
      ...(total === undefined ? {} : { total }),
      link,
      entry,
    },
    served: resources.length + includes.length,
  };
}

function outcomeEntries(profile: OrgProfile, search: SearchPage['search']): Record<string, unknown>[] {
  const empty = search.matches.length === 0;
  if (profile.outcomeEntry === 'none' || (profile.outcomeEntry === 'empty-only' && !empty)) return [];
  const issues: { code: EpicCode }[] =
    profile.outcomeEntry === 'empty-only'
      ? [{ code: epicCodes.noResults }]
      : [
          { code: empty ? epicCodes.noResults : epicCodes.partialRecord },
          ...search.warnings.map((code) => ({ code })),
        ];
  return [{ resource: createOutcome(issues), search: { mode: 'outcome' } }];
}

/** `unreliable`: no total on a first page, the page's own count (wrong) on later ones. */
function readTotal(profile: OrgProfile, matches: number, onPage: number, offset: number): number | undefined {
  if (profile.total === 'exact') return matches;
  if (profile.total === 'unreliable') return offset === 0 ? undefined : onPage;
  return onPage;
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
