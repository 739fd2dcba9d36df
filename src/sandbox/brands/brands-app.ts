import { Hono } from 'hono';
import {
  buildBrandOrganization,
  buildBrandsBundle,
  buildEndpoint,
  type BrandsResource,
} from './brands-resources.ts';

/** What the directory double needs of a sandbox organisation (SandboxOrganization fits). */
export interface BrandsAppOrganization {
  id: string;
  name: string;
  city?: string;
  state?: string;
  aliases?: string[];
  /** The developer-portal double's OrgId for this organisation; default `1000 + position`. */
  portalOrgId?: string;
}

export interface BrandsAppOptions {
  /** FHIR base of an organisation; default `{origin}/{id}/api/FHIR/R4`, the sandbox's layout. */
  fhirBaseFor?: (org: BrandsAppOrganization, origin: string) => string;
  /** Bundle timestamp; default the time the app was created, so an unchanged sandbox serves identical bytes. */
  timestamp?: string;
}

/**
 * The sandbox's directory double: `GET /brands.json` serves a SMART User-access Brands bundle of the sandbox's own
 * organisations, built per request from the request's origin so it is right on whatever port the sandbox got.
 * Importing it needs `allowLoopback`, since the sandbox speaks plain http on 127.0.0.1.
 */
export function createBrandsApp(orgs: BrandsAppOrganization[], options: BrandsAppOptions = {}): Hono {
  const app = new Hono();
  const fhirBaseFor = options.fhirBaseFor ?? ((org, origin) => `${origin}/${org.id}/api/FHIR/R4`);
  const timestamp = options.timestamp ?? new Date().toISOString();
  app.get('/brands.json', (c) => {
    const origin = new URL(c.req.url).origin;
    const body = buildBrandsBundle(buildSandboxBrands(orgs, origin, fhirBaseFor), timestamp);
    c.header('Cache-Control', 'no-store');
    return c.json(body);
  });
  return app;
}

export function buildSandboxBrands(
  orgs: BrandsAppOrganization[],
  origin: string,
  fhirBaseFor: (org: BrandsAppOrganization, origin: string) => string,
): BrandsResource[] {
  return orgs.flatMap((org, index) => {
    const endpointId = `${org.id}-r4`;
    return [
      buildBrandOrganization({
        id: org.id,
        name: org.name,
        aliases: org.aliases,
        city: org.city,
        state: org.state,
        portalName: `${org.name} MyChart`,
        portalUrl: `${origin}/${org.id}/mychart`,
        endpointId,
      }),
      buildEndpoint({
        id: endpointId,
        name: org.name,
        fhirBase: fhirBaseFor(org, origin),
        brandId: org.id,
        portalOrgId: org.portalOrgId ?? String(1000 + index),
      }),
    ];
  });
}
