import type { Kysely, Selectable } from 'kysely';
import type { Database, EndpointTable } from './schema.ts';

export type EndpointRow = Selectable<EndpointTable>;

/**
 * Endpoints by id, for pages and flows that already hold one (a launch, a connection). Which endpoint an
 * organisation resolves to is the directory's answer: `repos.directory.findEndpointForOrganization`.
 */
export interface EndpointRepository {
  findEndpointById(id: string): Promise<EndpointRow | undefined>;
}

export function createEndpointRepository(db: Kysely<Database>): EndpointRepository {
  return {
    findEndpointById(id) {
      return db.selectFrom('endpoints').selectAll().where('id', '=', id).executeTakeFirst();
    },
  };
}
