import type { Kysely } from 'kysely';
import type { DialectName } from '../database.ts';

/**
 * The endpoint directory's import machinery (issue 4). An import streams into staging tables keyed by its
 * import id, so a failing or refused import never touches the live `organizations`/`endpoints`; the swap copies
 * staging into the live tables in one transaction. `directory_endpoint_sources` records which sources publish each
 * endpoint, so an endpoint published by two sources is one row and is marked removed only when none publishes it.
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  // The endpoint a patient reaches this organisation through: its own, or its brand's for a facility.
  await db.schema.alterTable('organizations').addColumn('endpoint_id', 'text').execute();
  await db.schema.createIndex('organizations_source').on('organizations').column('source').execute();
  await db.schema.createIndex('organizations_endpoint').on('organizations').column('endpoint_id').execute();
  await db.schema.createIndex('endpoints_source').on('endpoints').column('source').execute();

  await db.schema
    .createTable('directory_endpoint_sources')
    .addColumn('endpoint_id', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('portal_org_id', 'text')
    .addPrimaryKeyConstraint('directory_endpoint_sources_pk', ['endpoint_id', 'source'])
    .execute();
  await db.schema
    .createIndex('directory_endpoint_sources_source')
    .on('directory_endpoint_sources')
    .column('source')
    .execute();

  await db.schema
    .createTable('directory_imports')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('location', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('content_hash', 'text')
    .addColumn('counts', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('diff', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('error', 'text')
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('directory_imports_source')
    .on('directory_imports')
    .columns(['source', 'started_at'])
    .execute();

  await db.schema
    .createTable('directory_staging_organizations')
    .addColumn('import_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('ref_url', 'text')
    .addColumn('ref_local', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('part_of_ref', 'text')
    .addColumn('endpoint_ref', 'text')
    .addColumn('brand_id', 'text')
    .addColumn('endpoint_id', 'text')
    .addColumn('aliases', 'text', (c) => c.notNull())
    .addColumn('city', 'text')
    .addColumn('state', 'text')
    .addColumn('postal_code', 'text')
    .addColumn('website', 'text')
    .addColumn('logo_url', 'text')
    .addColumn('portal_name', 'text')
    .addColumn('portal_url', 'text')
    .addColumn('search_text', 'text', (c) => c.notNull())
    .execute();
  for (const column of ['id', 'ref_url', 'ref_local']) {
    await db.schema
      .createIndex(`directory_staging_organizations_${column}`)
      .on('directory_staging_organizations')
      .columns(['import_id', column])
      .execute();
  }

  await db.schema
    .createTable('directory_staging_endpoints')
    .addColumn('import_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('id', 'text')
    .addColumn('ref_url', 'text')
    .addColumn('ref_local', 'text', (c) => c.notNull())
    .addColumn('fhir_base', 'text')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('managing_ref', 'text')
    .addColumn('portal_org_id', 'text')
    .addColumn('skip_reason', 'text')
    .execute();
  for (const column of ['seq', 'ref_url', 'ref_local', 'managing_ref']) {
    await db.schema
      .createIndex(`directory_staging_endpoints_${column}`)
      .on('directory_staging_endpoints')
      .columns(['import_id', column])
      .execute();
  }
}
