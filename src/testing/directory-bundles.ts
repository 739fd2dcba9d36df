import { Readable } from 'node:stream';
import {
  buildBrandOrganization,
  buildBrandsBundle,
  buildEndpoint,
  buildFacilityOrganization,
  type BrandsResource,
} from '../sandbox/brands/brands-resources.ts';

/**
 * Small Brands bundles for directory tests, built with the same builders as the sandbox so tests and the
 * double agree on the shape. `version` 2 renames, moves and removes a few things relative to version 1.
 */
export function buildTestBrands(version: 1 | 2 = 1): BrandsResource[] {
  const resources: BrandsResource[] = [
    buildBrandOrganization({
      id: 'summit',
      name: version === 1 ? 'Summit Health' : 'Summit Health Partners',
      aliases: ['Summit Medical'],
      city: 'Madison',
      state: 'WI',
      website: 'https://www.summithealth.example.org',
      logoUrl: 'https://www.summithealth.example.org/logo.png',
      portalName: 'Summit MyChart',
      portalUrl: 'https://mychart.summithealth.example.org',
      endpointId: 'summit-r4',
    }),
    buildEndpoint({
      id: 'summit-r4',
      name: 'Summit Health',
      fhirBase: 'https://fhir.summithealth.example.org/api/FHIR/R4/',
      brandId: 'summit',
      portalOrgId: '1234',
    }),
    buildFacilityOrganization({
      id: 'summit-east',
      name: 'Summit Madison East Clinic',
      brandId: 'summit',
      city: 'Madison',
      state: 'WI',
    }),
    buildFacilityOrganization({
      id: 'summit-north',
      name: 'Summit Northfield Pediatrics',
      brandId: version === 1 ? 'summit' : 'lakeview',
      city: 'Northfield',
      state: 'MN',
    }),
    buildBrandOrganization({
      id: 'lakeview',
      name: 'Lakeview Medical Center',
      city: 'Duluth',
      state: 'MN',
      endpointId: 'lakeview-r4',
    }),
    buildEndpoint({
      id: 'lakeview-r4',
      name: 'Lakeview',
      fhirBase: 'https://ehr.lakeview.example.org/FHIR/R4',
      brandId: 'lakeview',
      portalOrgId: '77',
    }),
    buildFacilityOrganization({
      id: 'lakeview-er',
      name: 'Lakeview Emergency',
      brandId: 'lakeview',
      city: 'Duluth',
      state: 'MN',
    }),
  ];
  if (version === 1) {
    resources.push(
      buildBrandOrganization({
        id: 'granite',
        name: 'Granite Clinic',
        city: 'Boise',
        state: 'ID',
        endpointId: 'granite-r4',
      }),
      buildEndpoint({
        id: 'granite-r4',
        name: 'Granite',
        fhirBase: 'https://granite.example.org/R4',
        brandId: 'granite',
      }),
    );
  }
  return resources;
}

export function toBundleText(resources: BrandsResource[] | Record<string, unknown>): string {
  const body = Array.isArray(resources) ? buildBrandsBundle(resources, '2026-01-01T00:00:00Z') : resources;
  return JSON.stringify(body, null, 1);
}

/** A byte stream of `text` in small chunks, so every test also crosses chunk boundaries. */
export function toChunks(text: string, size = 97): Readable {
  const bytes = Buffer.from(text);
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return Readable.from(chunks);
}
