import { referenceTypes, searchableTypes } from './resource-kinds.ts';

/**
 * The CapabilityStatement at `{fhirBase}/metadata`, with the SMART `oauth-uris` extension pointing at this
 * organisation's authorization server (`{origin}/{orgId}/oauth2`), as Epic's metadata does.
 */
export function buildCapabilityStatement(
  origin: string,
  orgId: string,
  orgName: string,
): Record<string, unknown> {
  const root = `${origin}/${encodeURIComponent(orgId)}`;
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2026-01-01',
    publisher: orgName,
    kind: 'instance',
    software: { name: 'chartbridge sandbox EHR' },
    implementation: { description: `${orgName} (sandbox)`, url: `${root}/api/FHIR/R4` },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [{ mode: 'server', security: buildSecurity(`${root}/oauth2`), resource: listResources() }],
  };
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
