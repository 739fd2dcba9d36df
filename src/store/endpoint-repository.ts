import type { Kysely, Selectable } from 'kysely';
import type { Database, EndpointTable, OrganizationTable } from './schema.ts';

export type EndpointRow = Selectable<EndpointTable>;
export type OrganizationRow = Selectable<OrganizationTable>;

export interface OrganizationWithEndpoint {
  organizationId: string;
  name: string;
  city: string | null;
  state: string | null;
  endpointId: string;
  fhirBase: string;
}

/** The connect flow's read-only view of the directory: which endpoint an organisation id resolves to. */
export interface EndpointRepository {
  /** Active endpoints of one organisation, non-production last so a real hospital is preferred. */
  findEndpointsForOrganization(organizationId: string): Promise<EndpointRow[]>;
  findEndpointById(id: string): Promise<EndpointRow | undefined>;
  /** Organisations that have an active endpoint, by name (the picker), optionally filtered by a name fragment. */
  listConnectable(options: { query?: string; limit: number }): Promise<OrganizationWithEndpoint[]>;
  /** Adds a manually configured organisation with one endpoint, or updates it (the demo's sandbox hospitals). */
  upsertManual(entry: {
    organizationId: string;
    name: string;
    endpointId: string;
    fhirBase: string;
    vendor: 'epic' | 'generic';
    environment: 'production' | 'non-production';
    now: number;
  }): Promise<void>;
}

export function createEndpointRepository(db: Kysely<Database>): EndpointRepository {
  return {
    async findEndpointsForOrganization(organizationId) {
      // A facility is reached through its own endpoint or its brand's (organizations.endpoint_id).
      const org = await db
        .selectFrom('organizations')
        .select('endpoint_id')
        .where('id', '=', organizationId)
        .executeTakeFirst();
      let query = db.selectFrom('endpoints').selectAll().where('status', '=', 'active');
      query = org?.endpoint_id
        ? query.where('id', '=', org.endpoint_id)
        : query.where('organization_id', '=', organizationId);
      return query.orderBy('environment', 'desc').orderBy('id').execute();
    },
    findEndpointById(id) {
      return db.selectFrom('endpoints').selectAll().where('id', '=', id).executeTakeFirst();
    },
    listConnectable: (options) => listConnectable(db, options),
    upsertManual: (entry) => upsertManualEntry(db, entry),
  };
}

/** Organisations with an active endpoint (their own or their brand's), optionally filtered by name words. */
async function listConnectable(
  db: Kysely<Database>,
  { query, limit }: { query?: string; limit: number },
): Promise<OrganizationWithEndpoint[]> {
  let q = db
    .selectFrom('organizations as o')
    .innerJoin('endpoints as e', (join) =>
      join.on((eb) =>
        eb.or([
          eb('e.id', '=', eb.ref('o.endpoint_id')),
          eb.and([eb('o.endpoint_id', 'is', null), eb('e.organization_id', '=', eb.ref('o.id'))]),
        ]),
      ),
    )
    .select([
      'o.id as organizationId',
      'o.name',
      'o.city',
      'o.state',
      'e.id as endpointId',
      'e.fhir_base as fhirBase',
    ])
    .where('e.status', '=', 'active');
  const words = (query ?? '').toLowerCase().split(/\s+/).filter(Boolean).slice(0, 5);
  for (const word of words) q = q.where('o.search_text', 'like', `%${word.replace(/[%_\\]/g, '')}%`);
  return q.orderBy('o.name').orderBy('o.id').limit(limit).execute();
}

type ManualEntry = Parameters<EndpointRepository['upsertManual']>[0];

async function upsertManualEntry(db: Kysely<Database>, entry: ManualEntry): Promise<void> {
  await db
    .insertInto('organizations')
    .values({
      id: entry.organizationId,
      name: entry.name,
      brand_id: null,
      kind: 'manual',
      aliases: '[]',
      city: null,
      state: null,
      postal_code: null,
      website: null,
      logo_url: null,
      portal_name: null,
      portal_url: null,
      search_text: entry.name.toLowerCase(),
      endpoint_id: entry.endpointId,
      source: 'manual',
      created_at: entry.now,
      updated_at: entry.now,
    })
    .onConflict((oc) =>
      oc
        .column('id')
        .doUpdateSet({ name: entry.name, search_text: entry.name.toLowerCase(), updated_at: entry.now }),
    )
    .execute();
  await db
    .insertInto('endpoints')
    .values({
      id: entry.endpointId,
      organization_id: entry.organizationId,
      fhir_base: entry.fhirBase,
      name: entry.name,
      vendor: entry.vendor,
      environment: entry.environment,
      client_id: null,
      portal_org_id: null,
      status: 'active',
      source: 'manual',
      created_at: entry.now,
      updated_at: entry.now,
    })
    .onConflict((oc) =>
      oc.column('id').doUpdateSet({ fhir_base: entry.fhirBase, status: 'active', updated_at: entry.now }),
    )
    .execute();
}
