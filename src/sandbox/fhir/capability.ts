import type { OrgProfile } from '../profiles/org-profiles.ts';
import { listedTypesOf, searchTypesOf } from './profile-types.ts';
import { referenceTypes, searchableTypes } from './resource-kinds.ts';

export interface CapabilityInput {
  fhirBase: string;
  /** The organisation's issuer (`{origin}/{orgId}/oauth2`). */
  issuer: string;
  orgName: string;
  profile: OrgProfile;
}

/**
 * The CapabilityStatement at `{fhirBase}/metadata`, with the SMART `oauth-uris` extension pointing at this
 * organisation's authorization server, as Epic's metadata does. Epic lists its searchable types with their
 * parameters; generic servers list theirs (broken ones included); `sparse` servers list types without any
 * search parameter; payers list read-only types and the `everything` operation on Patient.
 */
export function buildCapabilityStatement(input: CapabilityInput): Record<string, unknown> {
  const { fhirBase, issuer, orgName, profile } = input;
  const resources = profile.searchRules === 'epic' ? listResources() : listGenericResources(profile);
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2026-01-01',
    publisher: orgName,
    kind: 'instance',
    software: { name: 'chartbridge sandbox EHR' },
    implementation: { description: `${orgName} (sandbox)`, url: fhirBase },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [{ mode: 'server', security: buildSecurity(issuer), resource: resources }],
  };
}

const genericSearchParams = [
  { name: 'patient', type: 'reference' },
  { name: 'category', type: 'token' },
  { name: 'code', type: 'token' },
  { name: 'date', type: 'date' },
  { name: '_lastUpdated', type: 'date' },
];

function listGenericResources(profile: OrgProfile): Record<string, unknown>[] {
  const searchable = searchTypesOf(profile);
  return listedTypesOf(profile).map((type) => {
    const search = searchable.has(type) || profile.brokenSearchTypes.includes(type) || type === 'Patient';
    const interaction = [
      { code: 'read' },
      ...(search && !profile.everythingOnly ? [{ code: 'search-type' }] : []),
    ];
    const entry: Record<string, unknown> = { type, interaction };
    if (search && profile.metadata === 'full' && !profile.everythingOnly) {
      entry.searchParam = type === 'Patient' ? [{ name: '_id', type: 'token' }] : genericSearchParams;
      entry.searchRevInclude = ['Provenance:target'];
    }
    if (type === 'Patient' && profile.everythingOnly) {
      entry.operation = [
        { name: 'everything', definition: 'http://hl7.org/fhir/OperationDefinition/Patient-everything' },
      ];
    }
    return entry;
  });
}

function listResources(): { type: string }[] {
  const searchable = [...searchableTypes].map((type) => ({
    type,
    interaction: [{ code: 'read' }, { code: 'search-type' }],
    searchParam: [
      { name: 'patient', type: 'reference' },
      { name: 'category', type: 'token' },
      { name: 'code', type: 'token' },
      { name: 'date', type: 'date' },
      { name: '_lastUpdated', type: 'date' },
    ],
    searchRevInclude: ['Provenance:target'],
  }));
  const readOnly = [...referenceTypes, 'Patient', 'RelatedPerson', 'Provenance', 'Binary'].map((type) => ({
    type,
    interaction: [{ code: 'read' }],
  }));
  return [...searchable, ...readOnly].sort((a, b) => a.type.localeCompare(b.type));
}

/** The SMART `oauth-uris` extension Epic's metadata carries. */
function buildSecurity(issuer: string): Record<string, unknown> {
  const service = {
    system: 'http://terminology.hl7.org/CodeSystem/restful-security-service',
    code: 'SMART-on-FHIR',
  };
  return {
    extension: [
      {
        url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
        extension: [
          { url: 'authorize', valueUri: `${issuer}/authorize` },
          { url: 'token', valueUri: `${issuer}/token` },
          { url: 'revoke', valueUri: `${issuer}/revoke` },
        ],
      },
    ],
    service: [{ coding: [service] }],
  };
}
