import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, EndpointTable } from './schema.ts';

export interface SearchableRow {
  id: string;
  name: string;
  kind: string;
  brand_id: string | null;
  aliases: string;
  city: string | null;
  state: string | null;
  website: string | null;
  endpoint_id: string | null;
}

export interface DirectoryResultRow {
  organizationId: string;
  name: string;
  kind: string;
  city: string | null;
  state: string | null;
  brandId: string | null;
  brandName: string | null;
  endpointId: string;
  fhirBase: string;
  vendor: string;
  logoUrl: string | null;
  portalName: string | null;
  portalUrl: string | null;
  portalOrgId: string | null;
}

export interface DirectoryStats {
  organizations: Record<string, number>;
  connectableOrganizations: number;
  endpoints: Record<string, number>;
  sources: Array<{ source: string; organizations: number; endpoints: number }>;
}

/** The directory's reads: the search index source, result details, an organisation's endpoint, statistics. */
export interface DirectoryRepository {
  /** Every organisation whose endpoint (its own or its brand's) is active, for the in-memory search index. */
  listSearchable(): Promise<SearchableRow[]>;
  /** Changes whenever organisations or endpoints change, so search processes know to reload. */
  readVersion(): Promise<string>;
  findResults(organizationIds: string[]): Promise<DirectoryResultRow[]>;
  /** The active endpoint a patient reaches an organisation through; undefined when unknown or removed. */
  findEndpointForOrganization(organizationId: string): Promise<Selectable<EndpointTable> | undefined>;
  readStats(): Promise<DirectoryStats>;
  listActiveEndpoints(): Promise<Array<{ id: string; fhir_base: string; name: string }>>;
}

export function createDirectoryRepository(db: Kysely<Database>): DirectoryRepository {
  // An organisation's endpoint: the directory's link, or (for rows written by other code) one it owns.
  const endpointOf = sql<string | null>`coalesce(o.endpoint_id, (select min(x.id) from endpoints x
    where x.organization_id = o.id and x.status = 'active'))`;
  return {
    async listSearchable() {
      const rows = await db
        .selectFrom('organizations as o')
        .select(['o.id', 'o.name', 'o.kind', 'o.brand_id', 'o.aliases', 'o.city', 'o.state', 'o.website'])
        .select(endpointOf.as('endpoint_id'))
        .orderBy('o.name')
        .orderBy('o.id')
        .execute();
      const active = new Set((await this.listActiveEndpoints()).map((e) => e.id));
      return rows.filter((r) => r.endpoint_id !== null && active.has(r.endpoint_id));
    },
    async readVersion() {
      const row = await sql<Record<string, unknown>>`select
        (select count(*) from organizations) as o, (select max(updated_at) from organizations) as ou,
        (select count(*) from endpoints where status = 'active') as e, (select max(updated_at) from endpoints) as eu,
        (select count(*) from directory_imports) as i`.execute(db);
      const r = row.rows[0] ?? {};
      return [r.o, r.ou, r.e, r.eu, r.i].map(String).join(':');
    },
    async findResults(organizationIds) {
      if (organizationIds.length === 0) return [];
      const rows = await db
        .selectFrom('organizations as o')
        .innerJoin('endpoints as e', (join) => join.on('e.id', '=', endpointOf))
        .leftJoin('organizations as b', 'b.id', 'o.brand_id')
        .select([
          'o.id as organizationId',
          'o.name',
          'o.kind',
          'o.city',
          'o.state',
          'o.brand_id as brandId',
          'b.name as brandName',
          'e.id as endpointId',
          'e.fhir_base as fhirBase',
          'e.vendor',
          'e.portal_org_id as portalOrgId',
        ])
        .select((eb) => [
          eb.fn.coalesce('o.logo_url', 'b.logo_url').as('logoUrl'),
          eb.fn.coalesce('o.portal_name', 'b.portal_name').as('portalName'),
          eb.fn.coalesce('o.portal_url', 'b.portal_url').as('portalUrl'),
        ])
        .where('o.id', 'in', organizationIds)
        .where('e.status', '=', 'active')
        .execute();
      const byId = new Map(rows.map((r) => [r.organizationId, r]));
      return organizationIds.flatMap((id) => (byId.has(id) ? [byId.get(id)!] : []));
    },
    findEndpointForOrganization(organizationId) {
      return db
        .selectFrom('organizations as o')
        .innerJoin('endpoints as e', (join) => join.on('e.id', '=', endpointOf))
        .selectAll('e')
        .where('o.id', '=', organizationId)
        .where('e.status', '=', 'active')
        .executeTakeFirst();
    },
    readStats: () => readStats(db),
    listActiveEndpoints() {
      return db
        .selectFrom('endpoints')
        .select(['id', 'fhir_base', 'name'])
        .where('status', '=', 'active')
        .orderBy('fhir_base')
        .execute();
    },
  };
}

async function readStats(db: Kysely<Database>): Promise<DirectoryStats> {
  const kinds = await db
    .selectFrom('organizations')
    .select(['kind', (eb) => eb.fn.countAll<number | string>().as('n')])
    .groupBy('kind')
    .execute();
  const statuses = await db
    .selectFrom('endpoints')
    .select(['status', (eb) => eb.fn.countAll<number | string>().as('n')])
    .groupBy('status')
    .execute();
  const sources = await sql<{ source: string; organizations: number | string; endpoints: number | string }>`
    select s.source, (select count(*) from organizations o where o.source = s.source) as organizations,
      (select count(*) from directory_endpoint_sources d where d.source = s.source) as endpoints
    from (select distinct source from organizations union select distinct source from directory_endpoint_sources) s
    order by s.source`.execute(db);
  const connectable = await sql<{ n: number | string }>`select count(*) as n from organizations o
    join endpoints e on e.id = o.endpoint_id where e.status = 'active'`.execute(db);
  return {
    organizations: Object.fromEntries(kinds.map((k) => [k.kind, Number(k.n)])),
    connectableOrganizations: Number(connectable.rows[0]?.n ?? 0),
    endpoints: Object.fromEntries(statuses.map((s) => [s.status, Number(s.n)])),
    sources: sources.rows.map((s) => ({
      source: s.source,
      organizations: Number(s.organizations),
      endpoints: Number(s.endpoints),
    })),
  };
}
