import type { Kysely } from 'kysely';
import type { DialectName } from '../database.ts';

/**
 * The swap and the import summary look up staged organisations by endpoint (owner of an endpoint, orphan
 * endpoints, the diff); without this index those correlated queries scan ~96,600 rows per endpoint.
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema
    .createIndex('directory_staging_organizations_endpoint_id')
    .on('directory_staging_organizations')
    .columns(['import_id', 'endpoint_id'])
    .execute();
  await db.schema
    .createIndex('directory_endpoint_sources_organization')
    .on('directory_endpoint_sources')
    .column('organization_id')
    .execute();
}
