import type { PortalDownload } from './activation-plan.ts';
import { formatCsv } from './csv.ts';

/**
 * Activation against the directory (docs/epic-facts.md §6): the portal OrgId reaches the Brands bundle only as
 * `Endpoint.managingOrganization.identifier`, and about 10% of activated organisations have no endpoint there.
 * Both gaps matter: an activated org without an endpoint is unreachable for patients; an endpoint whose org is
 * not activated answers `invalid_client`.
 */
export interface DirectoryEndpoint {
  endpointId: string;
  organizationId: string;
  name: string;
  fhirBase: string;
  portalOrgId: string | null;
}

export interface CrossReference {
  activated: number;
  endpoints: number;
  activatedWithoutEndpoint: { orgId: string; orgName: string; ecmId: string | null }[];
  endpointsNotActivated: {
    endpointId: string;
    name: string;
    fhirBase: string;
    portalOrgId: string | null;
    /** `not-activated` (0 or 3 in the portal), `not-in-portal`, or `no-portal-org-id` in the directory. */
    reason: 'not-activated' | 'not-in-portal' | 'no-portal-org-id';
    approved: number | null;
  }[];
}

export function crossReference(downloads: PortalDownload[], endpoints: DirectoryEndpoint[]): CrossReference {
  const byOrgId = new Map(downloads.map((download) => [download.orgId, download]));
  const withEndpoint = new Set(endpoints.map((endpoint) => endpoint.portalOrgId).filter((id) => id !== null));
  const activated = downloads.filter((download) => download.approved === 1);
  const report: CrossReference = {
    activated: activated.length,
    endpoints: endpoints.length,
    activatedWithoutEndpoint: activated
      .filter((download) => !withEndpoint.has(download.orgId))
      .map(({ orgId, orgName, ecmId }) => ({ orgId, orgName, ecmId })),
    endpointsNotActivated: [],
  };
  for (const endpoint of endpoints) {
    const download = endpoint.portalOrgId === null ? undefined : byOrgId.get(endpoint.portalOrgId);
    if (download?.approved === 1) continue;
    const reason =
      endpoint.portalOrgId === null ? 'no-portal-org-id' : download ? 'not-activated' : 'not-in-portal';
    report.endpointsNotActivated.push({
      endpointId: endpoint.endpointId,
      name: endpoint.name,
      fhirBase: endpoint.fhirBase,
      portalOrgId: endpoint.portalOrgId,
      reason,
      approved: download?.approved ?? null,
    });
  }
  return report;
}

/** One CSV with both lists, a `kind` column telling them apart. */
export function formatCrossReferenceCsv(report: CrossReference): string {
  const rows = [
    ...report.activatedWithoutEndpoint.map((row) => ({
      kind: 'activated-without-endpoint',
      portalOrgId: row.orgId,
      name: row.orgName,
      endpointId: '',
      fhirBase: '',
      reason: 'no endpoint in the directory',
    })),
    ...report.endpointsNotActivated.map((row) => ({
      kind: 'endpoint-not-activated',
      portalOrgId: row.portalOrgId ?? '',
      name: row.name,
      endpointId: row.endpointId,
      fhirBase: row.fhirBase,
      reason: row.reason,
    })),
  ];
  return formatCsv(['kind', 'portalOrgId', 'name', 'endpointId', 'fhirBase', 'reason'], rows);
}
