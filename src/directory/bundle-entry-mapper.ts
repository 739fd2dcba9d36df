import { checkFhirBase, toEndpointId, toOrganizationId } from './endpoint-id.ts';
import type { StagedEndpoint, StagedOrganization } from '../store/directory-records.ts';
import { stateWords, tokenize, toWebsiteDomain } from './normalize-text.ts';

export const PORTAL_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/organization-portal';
export const BRAND_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/organization-brand';
export const WEBSITE_SYSTEM = 'urn:ietf:rfc:3986';
export const EPIC_ORG_ID_SYSTEM = 'https://fhir.epic.com/Developer/Management/OrganizationId';

export interface MapContext {
  source: string;
  allowLoopback: boolean;
  /** Position of the entry in the file, to keep the first of duplicate endpoints. */
  seq: number;
}

export type MappedEntry =
  { organizations: StagedOrganization[]; endpoints: StagedEndpoint[] } | { skipped: string };

type Json = Record<string, unknown>;

const MAX_TEXT = 300;

/**
 * Turns one Bundle entry into staged rows. Brands bundles give Organizations (brands, facilities `partOf` a brand)
 * and Endpoints; Epic's legacy Endpoint Bundle gives Endpoints with the organisation `contained`. Anything else is
 * skipped with a reason. Strings from the file are length-capped and URLs scheme-checked, since they end up in
 * pages and search results.
 */
export function mapBundleEntry(entry: unknown, context: MapContext): MappedEntry {
  if (!isObject(entry) || !isObject(entry.resource)) return { skipped: 'no-resource' };
  const resource = entry.resource;
  const fullUrl = typeof entry.fullUrl === 'string' ? entry.fullUrl : null;
  const id = text(resource.id);
  if (!id) return { skipped: 'no-id' };
  if (resource.resourceType === 'Organization') {
    if (resource.active === false) return { skipped: 'inactive-organization' };
    const organization = mapOrganization(resource, id, fullUrl, context);
    return organization
      ? { organizations: [organization], endpoints: [] }
      : { skipped: 'organization-without-name' };
  }
  if (resource.resourceType === 'Endpoint') return mapEndpointEntry(resource, id, fullUrl, context);
  return { skipped: `unsupported-${String(resource.resourceType ?? 'resource').slice(0, 40)}` };
}

function mapOrganization(resource: Json, id: string, fullUrl: string | null, context: MapContext) {
  const name = text(resource.name);
  if (!name) return undefined;
  const portal = subExtensions(resource, PORTAL_EXTENSION);
  const brand = subExtensions(resource, BRAND_EXTENSION);
  const address = Array.isArray(resource.address) ? resource.address.find(isObject) : undefined;
  const aliases = Array.isArray(resource.alias)
    ? resource.alias.map(text).filter((a): a is string => !!a)
    : [];
  const identifiers = Array.isArray(resource.identifier) ? resource.identifier.filter(isObject) : [];
  const website = webUrl(identifiers.find((i) => i.system === WEBSITE_SYSTEM)?.value);
  const partOfRef = reference(resource.partOf);
  const endpoints = Array.isArray(resource.endpoint) ? resource.endpoint : [];
  const organization: StagedOrganization = {
    id: toOrganizationId(context.source, `Organization/${id}`),
    refUrl: fullUrl,
    refLocal: `Organization/${id}`,
    name,
    kind: partOfRef ? 'facility' : 'brand',
    partOfRef,
    endpointRef: reference(portal.portalEndpoint) ?? reference(endpoints[0]),
    aliases: aliases.slice(0, 20),
    city: text(address?.city),
    state: text(address?.state),
    postalCode: text(address?.postalCode),
    website,
    logoUrl: webUrl(brand.brandLogo) ?? webUrl(portal.portalLogo),
    portalName: text(portal.portalName),
    portalUrl: webUrl(portal.portalUrl),
    searchText: '',
  };
  organization.searchText = toSearchText(organization);
  return organization;
}

function mapEndpointEntry(
  resource: Json,
  id: string,
  fullUrl: string | null,
  context: MapContext,
): MappedEntry {
  const endpoint = mapEndpoint(resource, id, fullUrl, context);
  const managing = isObject(resource.managingOrganization) ? resource.managingOrganization : {};
  const contained = Array.isArray(resource.contained) ? resource.contained.filter(isObject) : [];
  const managingRef = text(managing.reference)?.replace(/^#/, '');
  const owner = contained.find((c) => c.resourceType === 'Organization' && text(c.id) === managingRef);
  if (!owner) return { organizations: [], endpoints: [endpoint] };
  // Legacy Endpoint Bundle: the organisation lives inside the Endpoint, so the Endpoint's id names it.
  endpoint.managingRef = null;
  const name = text(owner.name) ?? endpoint.name;
  const organization: StagedOrganization = {
    id: toOrganizationId(context.source, `Endpoint/${id}`),
    refUrl: null,
    refLocal: `Endpoint/${id}#organization`,
    name,
    kind: 'brand',
    partOfRef: null,
    endpointRef: endpoint.refLocal,
    aliases: [],
    city: null,
    state: null,
    postalCode: null,
    website: null,
    logoUrl: null,
    portalName: null,
    portalUrl: null,
    searchText: tokenize(name).join(' '),
  };
  return { organizations: [organization], endpoints: [endpoint] };
}

function mapEndpoint(
  resource: Json,
  id: string,
  fullUrl: string | null,
  context: MapContext,
): StagedEndpoint {
  const managing = isObject(resource.managingOrganization) ? resource.managingOrganization : {};
  const identifier = isObject(managing.identifier) ? managing.identifier : {};
  const endpoint: StagedEndpoint = {
    seq: context.seq,
    id: null,
    refUrl: fullUrl,
    refLocal: `Endpoint/${id}`,
    fhirBase: null,
    name: text(resource.name) ?? '',
    managingRef: text(managing.reference),
    portalOrgId: identifier.system === EPIC_ORG_ID_SYSTEM ? text(identifier.value) : null,
    skipReason: null,
  };
  const connectionType = isObject(resource.connectionType) ? resource.connectionType.code : undefined;
  if (connectionType !== 'hl7-fhir-rest') endpoint.skipReason = 'not-fhir-rest';
  else if (resource.status !== 'active') endpoint.skipReason = 'inactive';
  else {
    const check = checkFhirBase(String(resource.address ?? ''), { allowLoopback: context.allowLoopback });
    if (!check.ok) endpoint.skipReason = check.reason;
    else {
      endpoint.id = toEndpointId(check.key);
      endpoint.fhirBase = check.fhirBase;
    }
  }
  return endpoint;
}

/** Words of every field search looks at, so an operator can see what an organisation is findable by. */
export function toSearchText(o: Pick<StagedOrganization, 'name' | 'aliases' | 'city' | 'state' | 'website'>) {
  const words = [
    ...tokenize([o.name, ...o.aliases].join(' ')),
    ...tokenize(o.city ?? ''),
    ...stateWords(o.state),
    toWebsiteDomain(o.website) ?? '',
  ];
  return [...new Set(words.filter(Boolean))].join(' ');
}

function subExtensions(resource: Json, url: string): Record<string, unknown> {
  const extensions = Array.isArray(resource.extension) ? resource.extension.filter(isObject) : [];
  const found = extensions.find((e) => e.url === url);
  const values: Record<string, unknown> = {};
  for (const sub of Array.isArray(found?.extension) ? found.extension.filter(isObject) : []) {
    if (typeof sub.url !== 'string') continue;
    const key = Object.keys(sub).find((k) => k.startsWith('value'));
    if (key) values[sub.url] = sub[key];
  }
  return values;
}

function reference(value: unknown): string | null {
  return isObject(value) ? text(value.reference) : null;
}

function text(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  // Control characters from a hostile file would corrupt terminals and logs.
  // eslint-disable-next-line no-control-regex
  const trimmed = value.replace(/[\u0000-\u001f\u007f]/g, ' ').trim();
  return trimmed ? trimmed.slice(0, MAX_TEXT) : null;
}

/** Only http(s) links reach pages; `javascript:` and friends from a hostile file are dropped. */
function webUrl(value: unknown): string | null {
  const candidate = text(value);
  if (!candidate || candidate.length > 2000) return null;
  try {
    const url = new URL(candidate);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
  } catch {
    return null;
  }
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
