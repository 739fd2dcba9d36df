import { sql, type Kysely } from 'kysely';
import type { StagedEndpoint, StagedOrganization } from './directory-records.ts';
import type { Database } from './schema.ts';

/** Counts the staging area can answer once references are resolved. */
export interface StagingSummary {
  organizations: number;
  brands: number;
  facilities: number;
  /** Distinct usable endpoints that at least one organisation reaches. */
  endpoints: number;
  organizationsWithoutEndpoint: number;
  brokenReferences: number;
  /** Usable endpoints no organisation points at (not offered: nothing to find them by). */
  orphanEndpoints: number;
  duplicateEndpoints: number;
}

export interface DirectoryStagingRepository {
  /**
   * Writes a batch in one transaction: per-statement commits would rewrite the same index pages into the WAL
   * hundreds of times. Batches stay small enough (a few thousand rows) that other writers wait well under a second.
   */
  insertBatch(
    importId: string,
    batch: { organizations: StagedOrganization[]; endpoints: StagedEndpoint[] },
  ): Promise<void>;
  /** Resolves `partOf` and endpoint references inside one import, and facilities' endpoints through their brand. */
  resolveReferences(importId: string): Promise<void>;
  summarize(importId: string): Promise<StagingSummary>;
  discard(importId: string): Promise<void>;
}

const ORG_TABLE = 'directory_staging_organizations';

const ROWS_PER_STATEMENT = 500;

export function createDirectoryStagingRepository(db: Kysely<Database>): DirectoryStagingRepository {
  return {
    async insertBatch(importId, batch) {
      await db.transaction().execute(async (trx) => {
        for (let i = 0; i < batch.organizations.length; i += ROWS_PER_STATEMENT) {
          await insertOrganizations(trx, importId, batch.organizations.slice(i, i + ROWS_PER_STATEMENT));
        }
        for (let i = 0; i < batch.endpoints.length; i += ROWS_PER_STATEMENT) {
          await insertEndpoints(trx, importId, batch.endpoints.slice(i, i + ROWS_PER_STATEMENT));
        }
      });
    },
    resolveReferences: (importId) => resolveReferences(db, importId),
    summarize: (importId) => summarize(db, importId),
    async discard(importId) {
      await db.deleteFrom(ORG_TABLE).where('import_id', '=', importId).execute();
      await db.deleteFrom('directory_staging_endpoints').where('import_id', '=', importId).execute();
    },
  };
}

async function insertOrganizations(db: Kysely<Database>, importId: string, rows: StagedOrganization[]) {
  if (rows.length === 0) return;
  await db
    .insertInto(ORG_TABLE)
    .values(
      rows.map((o) => ({
        import_id: importId,
        id: o.id,
        ref_url: o.refUrl,
        ref_local: o.refLocal,
        name: o.name,
        kind: o.kind,
        part_of_ref: o.partOfRef,
        endpoint_ref: o.endpointRef,
        brand_id: null,
        endpoint_id: null,
        aliases: JSON.stringify(o.aliases),
        city: o.city,
        state: o.state,
        postal_code: o.postalCode,
        website: o.website,
        logo_url: o.logoUrl,
        portal_name: o.portalName,
        portal_url: o.portalUrl,
        search_text: o.searchText,
      })),
    )
    .execute();
}

async function insertEndpoints(db: Kysely<Database>, importId: string, rows: StagedEndpoint[]) {
  if (rows.length === 0) return;
  await db
    .insertInto('directory_staging_endpoints')
    .values(
      rows.map((e) => ({
        import_id: importId,
        seq: e.seq,
        id: e.id,
        ref_url: e.refUrl,
        ref_local: e.refLocal,
        fhir_base: e.fhirBase,
        name: e.name,
        managing_ref: e.managingRef,
        portal_org_id: e.portalOrgId,
        skip_reason: e.skipReason,
      })),
    )
    .execute();
}

/** Set-based, so 96,600 organisations resolve in a few statements on either database. */
async function resolveReferences(db: Kysely<Database>, importId: string): Promise<void> {
  await sql`
    update directory_staging_organizations as o set brand_id = coalesce(
      (select b.id from directory_staging_organizations b where b.import_id = ${importId} and b.ref_url = o.part_of_ref limit 1),
      (select b.id from directory_staging_organizations b where b.import_id = ${importId} and b.ref_local = o.part_of_ref limit 1))
    where o.import_id = ${importId} and o.part_of_ref is not null`.execute(db);
  await sql`
    update directory_staging_organizations as o set endpoint_id = coalesce(
      (select e.id from directory_staging_endpoints e where e.import_id = ${importId} and e.ref_url = o.endpoint_ref and e.id is not null limit 1),
      (select e.id from directory_staging_endpoints e where e.import_id = ${importId} and e.ref_local = o.endpoint_ref and e.id is not null limit 1))
    where o.import_id = ${importId} and o.endpoint_ref is not null`.execute(db);
  // Brands that name no endpoint themselves but are an Endpoint's managingOrganization.
  await sql`
    update directory_staging_organizations as o set endpoint_id = coalesce(
      (select e.id from directory_staging_endpoints e where e.import_id = ${importId} and e.managing_ref = o.ref_url and e.id is not null order by e.seq limit 1),
      (select e.id from directory_staging_endpoints e where e.import_id = ${importId} and e.managing_ref = o.ref_local and e.id is not null order by e.seq limit 1))
    where o.import_id = ${importId} and o.endpoint_id is null and o.part_of_ref is null`.execute(db);
  // A facility is reached through its brand's portal.
  await sql`
    update directory_staging_organizations as o set endpoint_id =
      (select b.endpoint_id from directory_staging_organizations b where b.import_id = ${importId} and b.id = o.brand_id)
    where o.import_id = ${importId} and o.endpoint_id is null and o.brand_id is not null`.execute(db);
}

async function summarize(db: Kysely<Database>, importId: string): Promise<StagingSummary> {
  const orgs = await sql<Record<string, number | string>>`
    select count(*) as organizations,
      sum(case when kind = 'brand' then 1 else 0 end) as brands,
      sum(case when kind = 'facility' then 1 else 0 end) as facilities,
      sum(case when endpoint_id is null then 1 else 0 end) as without_endpoint,
      sum(case when part_of_ref is not null and brand_id is null then 1 else 0 end) as broken_part_of,
      count(distinct endpoint_id) as endpoints
    from directory_staging_organizations where import_id = ${importId}`.execute(db);
  const brokenEndpointRefs = await sql<{ n: number | string }>`
    select count(*) as n from directory_staging_organizations o
    where o.import_id = ${importId} and o.endpoint_ref is not null and not exists (
      select 1 from directory_staging_endpoints e where e.import_id = ${importId}
        and (e.ref_url = o.endpoint_ref or e.ref_local = o.endpoint_ref))`.execute(db);
  const endpointRows = await sql<{
    usable: number | string;
    distinct_ids: number | string;
    orphans: number | string;
  }>`
    select count(e.id) as usable, count(distinct e.id) as distinct_ids,
      (select count(distinct x.id) from directory_staging_endpoints x where x.import_id = ${importId}
        and x.id is not null and not exists (select 1 from directory_staging_organizations o
          where o.import_id = ${importId} and o.endpoint_id = x.id)) as orphans
    from directory_staging_endpoints e where e.import_id = ${importId}`.execute(db);
  const o = orgs.rows[0] ?? {};
  const e = endpointRows.rows[0] ?? { usable: 0, distinct_ids: 0, orphans: 0 };
  return {
    organizations: Number(o.organizations ?? 0),
    brands: Number(o.brands ?? 0),
    facilities: Number(o.facilities ?? 0),
    endpoints: Number(o.endpoints ?? 0),
    organizationsWithoutEndpoint: Number(o.without_endpoint ?? 0),
    brokenReferences: Number(o.broken_part_of ?? 0) + Number(brokenEndpointRefs.rows[0]?.n ?? 0),
    orphanEndpoints: Number(e.orphans),
    duplicateEndpoints: Number(e.usable) - Number(e.distinct_ids),
  };
}
