import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

export interface ManualEntry {
  organizationId: string;
  name: string;
  city: string | null;
  state: string | null;
  searchText: string;
  endpointId: string;
  fhirBase: string;
  vendor: 'epic' | 'generic';
  /** Defaults to a provider's EHR (the demo's sandbox hospitals). */
  kind?: 'provider' | 'payer';
  /** The SMART scope grammar launches ask in here; undefined leaves it (null: configuration and vendor default). */
  scopeVersion?: 'v1' | 'v2' | 'auto';
  environment: 'production' | 'non-production';
  clientId: string | null;
  now: number;
}

/**
 * Hand-made directory entries (source `manual`: `chartbridge directory add`, the demo's sandbox hospitals): never
 * touched by imports. An endpoint the published directory already has is shared, and a given client id is set on
 * it. Writing an entry again updates it: the FHIR base follows (the sandbox's port changes between runs), and so
 * do the name and place.
 */
export function createDirectoryManualRepository(db: Kysely<Database>) {
  return {
    upsert: (entry: ManualEntry) =>
      db.transaction().execute(async (trx) => {
        await trx
          .insertInto('endpoints')
          .values({
            id: entry.endpointId,
            organization_id: entry.organizationId,
            fhir_base: entry.fhirBase,
            name: entry.name,
            vendor: entry.vendor,
            environment: entry.environment,
            client_id: entry.clientId,
            portal_org_id: null,
            status: 'active',
            source: 'manual',
            kind: entry.kind ?? 'provider',
            scope_version: entry.scopeVersion ?? null,
            created_at: entry.now,
            updated_at: entry.now,
          })
          .onConflict((oc) =>
            oc.column('id').doUpdateSet((eb) => ({
              fhir_base: entry.fhirBase,
              kind: entry.kind ?? eb.ref('endpoints.kind'),
              scope_version: entry.scopeVersion ?? eb.ref('endpoints.scope_version'),
              status: 'active',
              updated_at: entry.now,
              client_id: entry.clientId ?? eb.ref('endpoints.client_id'),
            })),
          )
          .execute();
        await trx
          .insertInto('directory_endpoint_sources')
          .values({
            endpoint_id: entry.endpointId,
            source: 'manual',
            organization_id: entry.organizationId,
            name: entry.name,
            portal_org_id: null,
          })
          .onConflict((oc) => oc.columns(['endpoint_id', 'source']).doNothing())
          .execute();
        await trx
          .insertInto('organizations')
          .values({
            id: entry.organizationId,
            name: entry.name,
            brand_id: null,
            kind: 'manual',
            aliases: '[]',
            city: entry.city,
            state: entry.state,
            postal_code: null,
            website: null,
            logo_url: null,
            portal_name: null,
            portal_url: null,
            search_text: entry.searchText,
            endpoint_id: entry.endpointId,
            source: 'manual',
            created_at: entry.now,
            updated_at: entry.now,
          })
          .onConflict((oc) =>
            oc.column('id').doUpdateSet({
              name: entry.name,
              search_text: entry.searchText,
              city: entry.city,
              state: entry.state,
              updated_at: entry.now,
            }),
          )
          .execute();
      }),
  };
}
