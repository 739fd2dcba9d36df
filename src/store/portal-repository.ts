import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

/** A directory endpoint as the portal cross-reference sees it. */
export interface PortalEndpointRow {
  endpointId: string;
  organizationId: string;
  name: string;
  fhirBase: string;
  /** Epic developer-portal OrgId from the Brands bundle; null when the directory does not publish one. */
  portalOrgId: string | null;
}

/** Read-only access to the directory for `chartbridge portal report`. */
export interface PortalRepository {
  /** Active Epic endpoints, with their portal OrgId when known, ordered by name. */
  listEpicEndpoints(): Promise<PortalEndpointRow[]>;
}

export function createPortalRepository(db: Kysely<Database>): PortalRepository {
  return {
    listEpicEndpoints() {
      return db
        .selectFrom('endpoints')
        .select([
          'id as endpointId',
          'organization_id as organizationId',
          'name',
          'fhir_base as fhirBase',
          'portal_org_id as portalOrgId',
        ])
        .where('status', '=', 'active')
        .where('vendor', '=', 'epic')
        .orderBy('name')
        .orderBy('id')
        .execute();
    },
  };
}
