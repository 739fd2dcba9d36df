import { sql, type Kysely, type Transaction } from 'kysely';
import type { DirectoryDiff } from './directory-records.ts';
import type { Database } from './schema.ts';

export interface SwapOptions {
  importId: string;
  source: string;
  vendor: 'epic' | 'generic';
  environment: 'production' | 'non-production';
  now: number;
}

export interface DirectorySwapRepository {
  /** Endpoints the source publishes now (the baseline of the drop gate). */
  countLiveEndpoints(source: string): Promise<number>;
  /**
   * Replaces the source's organisations and endpoint links with the staged import in one transaction, and returns
   * what changed. Endpoints are upserted by their stable id and only marked `removed`, never deleted, so every
   * connection keeps resolving its endpoint.
   */
  swapIn(options: SwapOptions): Promise<DirectoryDiff>;
}

const EXAMPLES = 5;

export function createDirectorySwapRepository(db: Kysely<Database>): DirectorySwapRepository {
  return {
    async countLiveEndpoints(source) {
      const row = await db
        .selectFrom('directory_endpoint_sources')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('source', '=', source)
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    },
    swapIn: (options) =>
      db.transaction().execute(async (trx) => {
        const diff = await computeDiff(trx, options.importId, options.source);
        await replaceEndpointSources(trx, options);
        await upsertEndpoints(trx, options);
        await retireEndpoints(trx, options);
        await replaceOrganizations(trx, options);
        return diff;
      }),
  };
}

async function computeDiff(
  trx: Transaction<Database>,
  importId: string,
  source: string,
): Promise<DirectoryDiff> {
  const names = async (query: ReturnType<typeof sql<{ name: string }>>) =>
    (await query.execute(trx)).rows.map((r) => r.name);
  const count = async (query: ReturnType<typeof sql<{ n: number | string }>>) =>
    Number((await query.execute(trx)).rows[0]?.n ?? 0);
  const added = sql`from directory_staging_organizations s where s.import_id = ${importId} and not exists (
    select 1 from organizations o where o.id = s.id and o.source = ${source})`;
  const removed = sql`from organizations o where o.source = ${source} and not exists (
    select 1 from directory_staging_organizations s where s.import_id = ${importId} and s.id = o.id)`;
  const renamed = sql`from organizations o join directory_staging_organizations s
    on s.import_id = ${importId} and s.id = o.id where o.source = ${source} and s.name <> o.name`;
  const moved = sql`from organizations o join directory_staging_organizations s
    on s.import_id = ${importId} and s.id = o.id where o.source = ${source} and s.name = o.name
    and (coalesce(s.endpoint_id, '') <> coalesce(o.endpoint_id, '') or coalesce(s.brand_id, '') <> coalesce(o.brand_id, ''))`;
  const staged = sql`select distinct id from directory_staging_endpoints where import_id = ${importId} and id is not null`;
  return {
    added: await count(sql`select count(*) as n ${added}`),
    removed: await count(sql`select count(*) as n ${removed}`),
    renamed: await count(sql`select count(*) as n ${renamed}`),
    moved: await count(sql`select count(*) as n ${moved}`),
    endpointsAdded: await count(sql`select count(*) as n from (${staged}) x where not exists (
      select 1 from directory_endpoint_sources d where d.source = ${source} and d.endpoint_id = x.id)
      and exists (select 1 from directory_staging_organizations o where o.import_id = ${importId} and o.endpoint_id = x.id)`),
    endpointsRemoved:
      await count(sql`select count(*) as n from directory_endpoint_sources d where d.source = ${source}
      and not exists (select 1 from directory_staging_organizations o where o.import_id = ${importId} and o.endpoint_id = d.endpoint_id)`),
    examples: {
      added: await names(sql`select s.name as name ${added} order by s.name limit ${EXAMPLES}`),
      removed: await names(sql`select o.name as name ${removed} order by o.name limit ${EXAMPLES}`),
      renamed: await names(
        sql`select o.name || ' → ' || s.name as name ${renamed} order by o.name limit ${EXAMPLES}`,
      ),
      moved: await names(sql`select s.name as name ${moved} order by s.name limit ${EXAMPLES}`),
    },
  };
}

/** The first entry (by position in the file) wins among endpoints with the same normalised base. */
function firstStagedEndpoint(importId: string) {
  return sql`e.import_id = ${importId} and e.id is not null and e.seq = (
    select min(f.seq) from directory_staging_endpoints f where f.import_id = ${importId} and f.id = e.id)`;
}

async function replaceEndpointSources(trx: Transaction<Database>, o: SwapOptions): Promise<void> {
  await trx.deleteFrom('directory_endpoint_sources').where('source', '=', o.source).execute();
  // Owner of an endpoint: the lowest-id brand that reaches it (else any organisation), one grouped pass.
  await sql`
    insert into directory_endpoint_sources (endpoint_id, source, organization_id, name, portal_org_id)
    select e.id, cast(${o.source} as text), coalesce(owners.brand_owner, owners.any_owner), e.name, e.portal_org_id
    from directory_staging_endpoints e join (
      select endpoint_id, min(case when brand_id is null then id end) as brand_owner, min(id) as any_owner
      from directory_staging_organizations where import_id = ${o.importId} and endpoint_id is not null
      group by endpoint_id) owners on owners.endpoint_id = e.id
    where ${firstStagedEndpoint(o.importId)}
      -- another id already holds this exact base (a hand-made entry): leave it, the connection data is there
      and not exists (select 1 from endpoints x where x.fhir_base = e.fhir_base and x.id <> e.id)`.execute(
    trx,
  );
}

async function upsertEndpoints(trx: Transaction<Database>, o: SwapOptions): Promise<void> {
  // Another source's endpoint is shared, not taken over: only its status changes.
  const mine = sql`(endpoints.source = ${o.source} or endpoints.status = 'removed')`;
  await sql`
    insert into endpoints (id, organization_id, fhir_base, name, vendor, environment, client_id, portal_org_id,
      status, source, created_at, updated_at)
    select d.endpoint_id, d.organization_id, e.fhir_base, d.name, cast(${o.vendor} as text),
      cast(${o.environment} as text), null, d.portal_org_id, 'active', cast(${o.source} as text),
      cast(${o.now} as bigint), cast(${o.now} as bigint)
    from directory_endpoint_sources d join directory_staging_endpoints e on e.id = d.endpoint_id
    where d.source = ${o.source} and ${firstStagedEndpoint(o.importId)}
    on conflict (id) do update set status = 'active', updated_at = excluded.updated_at,
      organization_id = case when ${mine} then excluded.organization_id else endpoints.organization_id end,
      name = case when ${mine} then excluded.name else endpoints.name end,
      -- the operator's --vendor/--environment of this import apply to its endpoints on every import, not just the first
      vendor = case when ${mine} then excluded.vendor else endpoints.vendor end,
      environment = case when ${mine} then excluded.environment else endpoints.environment end,
      portal_org_id = case when ${mine} then excluded.portal_org_id else endpoints.portal_org_id end,
      source = case when ${mine} then excluded.source else endpoints.source end`.execute(trx);
}

async function retireEndpoints(trx: Transaction<Database>, o: SwapOptions): Promise<void> {
  const publishedBySource = sql`exists (select 1 from directory_endpoint_sources d
    where d.endpoint_id = endpoints.id and d.source = ${o.source})`;
  const publishedByAny = sql`exists (select 1 from directory_endpoint_sources d where d.endpoint_id = endpoints.id)`;
  // Still published elsewhere: hand it to that source instead of removing it.
  await sql`
    update endpoints set updated_at = ${o.now},
      source = (select min(d.source) from directory_endpoint_sources d where d.endpoint_id = endpoints.id),
      organization_id = (select min(d.organization_id) from directory_endpoint_sources d where d.endpoint_id = endpoints.id
        and d.source = (select min(x.source) from directory_endpoint_sources x where x.endpoint_id = endpoints.id))
    where source = ${o.source} and not ${publishedBySource} and ${publishedByAny}`.execute(trx);
  await sql`
    update endpoints set status = 'removed', updated_at = ${o.now}
    where source = ${o.source} and status = 'active' and not ${publishedByAny}`.execute(trx);
}

async function replaceOrganizations(trx: Transaction<Database>, o: SwapOptions): Promise<void> {
  await sql`
    delete from organizations where source = ${o.source} and not exists (
      select 1 from directory_staging_organizations s where s.import_id = ${o.importId} and s.id = organizations.id)`.execute(
    trx,
  );
  await sql`
    insert into organizations (id, name, brand_id, kind, aliases, city, state, postal_code, website, logo_url,
      portal_name, portal_url, search_text, endpoint_id, source, created_at, updated_at)
    select s.id, s.name, s.brand_id, s.kind, s.aliases, s.city, s.state, s.postal_code, s.website, s.logo_url,
      s.portal_name, s.portal_url, s.search_text, s.endpoint_id, cast(${o.source} as text),
      cast(${o.now} as bigint), cast(${o.now} as bigint)
    from directory_staging_organizations s where s.import_id = ${o.importId}
    on conflict (id) do update set name = excluded.name, brand_id = excluded.brand_id, kind = excluded.kind,
      aliases = excluded.aliases, city = excluded.city, state = excluded.state, postal_code = excluded.postal_code,
      website = excluded.website, logo_url = excluded.logo_url, portal_name = excluded.portal_name,
      portal_url = excluded.portal_url, search_text = excluded.search_text, endpoint_id = excluded.endpoint_id,
      source = excluded.source, updated_at = excluded.updated_at`.execute(trx);
}
