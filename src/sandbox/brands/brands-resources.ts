/**
 * Builders for SMART User-access Brands resources (docs/epic-facts.md §7): the sandbox's own `/brands.json`, the full-size
 * synthetic bundle and the directory tests all shape their Organizations and Endpoints here, the way Epic does.
 */
export const EPIC_ORG_ID_SYSTEM = 'https://fhir.epic.com/Developer/Management/OrganizationId';
export const BRAND_IDENTIFIER_SYSTEM = 'urn:oid:1.2.840.114350.1.13.0.1.7.2.696570';

export type BrandsResource = Record<string, unknown> & {
  resourceType: 'Organization' | 'Endpoint';
  id: string;
};

export interface BrandSpec {
  id: string;
  name: string;
  aliases?: string[];
  city?: string;
  state?: string;
  postalCode?: string;
  website?: string;
  logoUrl?: string;
  portalName?: string;
  portalUrl?: string;
  /** Brand identifier (Epic's ECMId) shown on the developer portal's download list. */
  ecmId?: string;
  /** The Endpoint resource id of the brand's portal, when it has one. */
  endpointId?: string;
}

export function buildBrandOrganization(spec: BrandSpec): BrandsResource {
  const portal = [
    spec.portalName && { url: 'portalName', valueString: spec.portalName },
    spec.portalUrl && { url: 'portalUrl', valueUrl: spec.portalUrl },
    spec.endpointId && {
      url: 'portalEndpoint',
      valueReference: { reference: `Endpoint/${spec.endpointId}` },
    },
  ].filter(Boolean);
  return {
    resourceType: 'Organization',
    id: spec.id,
    meta: { profile: ['http://hl7.org/fhir/uv/smart-app-launch/StructureDefinition/UserAccessBrand'] },
    extension: [
      ...(spec.logoUrl
        ? [
            {
              url: 'http://hl7.org/fhir/StructureDefinition/organization-brand',
              extension: [{ url: 'brandLogo', valueUrl: spec.logoUrl }],
            },
          ]
        : []),
      ...(portal.length
        ? [{ url: 'http://hl7.org/fhir/StructureDefinition/organization-portal', extension: portal }]
        : []),
    ],
    identifier: [
      ...(spec.ecmId ? [{ system: BRAND_IDENTIFIER_SYSTEM, value: spec.ecmId }] : []),
      ...(spec.website ? [{ system: 'urn:ietf:rfc:3986', value: spec.website }] : []),
    ],
    active: true,
    name: spec.name,
    ...(spec.aliases?.length ? { alias: spec.aliases } : {}),
    ...(spec.city || spec.state ? { address: [address(spec)] } : {}),
    ...(spec.endpointId ? { endpoint: [{ reference: `Endpoint/${spec.endpointId}` }] } : {}),
  };
}

export interface FacilitySpec {
  id: string;
  name: string;
  brandId: string;
  line?: string;
  city?: string;
  state?: string;
  postalCode?: string;
  phone?: string;
  /** Epic's facility identifier (a department or location id). */
  facilityId?: string;
  lastUpdated?: string;
}

export const FACILITY_IDENTIFIER_SYSTEM = 'urn:oid:1.2.840.114350.1.13.0.1.7.2.686980';

export function buildFacilityOrganization(spec: FacilitySpec): BrandsResource {
  return {
    resourceType: 'Organization',
    id: spec.id,
    ...(spec.lastUpdated ? { meta: { lastUpdated: spec.lastUpdated } } : {}),
    ...(spec.facilityId
      ? { identifier: [{ use: 'usual', system: FACILITY_IDENTIFIER_SYSTEM, value: spec.facilityId }] }
      : {}),
    active: true,
    type: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/organization-type', code: 'prov' }] }],
    name: spec.name,
    ...(spec.phone ? { telecom: [{ system: 'phone', value: spec.phone, use: 'work' }] } : {}),
    ...(spec.city || spec.state ? { address: [address(spec)] } : {}),
    partOf: { reference: `Organization/${spec.brandId}` },
  };
}

export interface EndpointSpec {
  id: string;
  name: string;
  fhirBase: string;
  brandId: string;
  /** The developer portal's OrgId for this organisation (docs/epic-facts.md §6). */
  portalOrgId?: string;
}

export function buildEndpoint(spec: EndpointSpec): BrandsResource {
  return {
    resourceType: 'Endpoint',
    id: spec.id,
    meta: { profile: ['http://hl7.org/fhir/uv/smart-app-launch/StructureDefinition/UserAccessEndpoint'] },
    extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/endpoint-fhir-version', valueCode: '4.0.1' }],
    status: 'active',
    connectionType: {
      system: 'http://terminology.hl7.org/CodeSystem/endpoint-connection-type',
      code: 'hl7-fhir-rest',
    },
    name: spec.name,
    managingOrganization: {
      reference: `Organization/${spec.brandId}`,
      ...(spec.portalOrgId ? { identifier: { system: EPIC_ORG_ID_SYSTEM, value: spec.portalOrgId } } : {}),
    },
    payloadType: [
      { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/endpoint-payload-type', code: 'none' }] },
    ],
    address: spec.fhirBase,
  };
}

export const BRANDS_BASE_URL = 'https://open.epic.com/Endpoints/Brands';

export function toBundleEntry(resource: BrandsResource, baseUrl = BRANDS_BASE_URL): Record<string, unknown> {
  return { fullUrl: `${baseUrl}/${resource.resourceType}/${resource.id}`, resource };
}

export function buildBrandsBundle(resources: BrandsResource[], timestamp: string): Record<string, unknown> {
  return {
    resourceType: 'Bundle',
    type: 'collection',
    timestamp,
    entry: resources.map((r) => toBundleEntry(r)),
  };
}

function address(spec: { line?: string; city?: string; state?: string; postalCode?: string }) {
  return {
    ...(spec.line ? { line: [spec.line] } : {}),
    ...(spec.city ? { city: spec.city } : {}),
    ...(spec.state ? { state: spec.state } : {}),
    ...(spec.postalCode ? { postalCode: spec.postalCode } : {}),
    country: 'US',
  };
}
