import type { Kysely, Selectable } from 'kysely';
import type { Database, EndpointTable } from './schema.ts';

export type EndpointRow = Selectable<EndpointTable>;

/**
 * Endpoints by id, for pages and flows that already hold one (a launch, a connection). Which endpoint an
 * organisation resolves to is the directory's answer: `repos.directory.findEndpointForOrganization`.
 */
export interface EndpointRepository {
  findEndpointById(id: string): Promise<EndpointRow | undefined>;
  /** The first `limit` active endpoints by id (doctor checks each of them). */
  listActiveEndpoints(limit: number): Promise<EndpointRow[]>;
  /** Another endpoint already holding this FHIR base, so a manual entry can say which instead of a UNIQUE error. */
  findOtherEndpointWithBase(
    fhirBase: string,
    exceptId: string,
  ): Promise<{ id: string; name: string } | undefined>;
}

export function createEndpointRepository(db: Kysely<Database>): EndpointRepository {
  return {
    findEndpointById(id) {
      return db.selectFrom('endpoints').selectAll().where('id', '=', id).executeTakeFirst();
    },
    listActiveEndpoints(limit) {
      return db
        .selectFrom('endpoints')
        .selectAll()
        .where('status', '=', 'active')
        .orderBy('id')
        .limit(limit)
        .execute();
    },
    findOtherEndpointWithBase(fhirBase, exceptId) {
      return db
        .selectFrom('endpoints')
        .select(['id', 'name'])
        .where('fhir_base', '=', fhirBase)
        .where('id', '<>', exceptId)
        .executeTakeFirst();
    },
  };
}
