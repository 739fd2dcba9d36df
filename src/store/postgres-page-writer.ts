import { CompiledQuery, type Kysely } from 'kysely';
import { leaseLostError } from './jobs-leases.ts';
import {
  RESOURCE_UPSERT_SET,
  STATE_COLUMNS,
  STATE_COLUMN_TYPES,
  STATE_UPSERT_SET,
} from './page-write-sql.ts';
import type { Database } from './schema.ts';
import type { PageWriteInput } from './sqlite-page-writer.ts';

/**
 * The PostgreSQL hot path of page ingest: ONE statement per page instead of a transaction of five (begin, fence,
 * resources, resume state, commit), each a network round trip that cost the server and the worker CPU (issue 17).
 * Data-modifying CTEs: the fence update comes first and every write reads its result, so a page of a worker that
 * lost its lease writes nothing; a single statement is atomic. The resources travel as one array per column
 * (`unnest`), so the statement text is the same for every page. The same SQL rules as the other paths.
 */
export function createPostgresPageWriter(db: Kysely<Database>): (input: PageWriteInput) => Promise<void> {
  const texts = new Map<string, string>();
  const textFor = (fenced: boolean, withState: boolean) => {
    const id = `${fenced}:${withState}`;
    let text = texts.get(id);
    if (!text) texts.set(id, (text = buildStatement(fenced, withState)));
    return text;
  };
  return async (input) => {
    const { fence, state, resources: rs } = input;
    const params: unknown[] = [
      fence?.token ?? null,
      fence?.key ?? null,
      fence?.owner ?? null,
      rs.map((r) => r.resourceType),
      rs.map((r) => r.id),
      rs.map((r) => r.versionId),
      rs.map((r) => r.lastUpdated),
      rs.map((r) => r.versionRank),
      rs.map((r) => r.json),
      rs.map((r) => r.hash),
      input.connectionId,
      input.now,
      input.runId,
    ];
    if (state) params.push(state.run_id, state.query_key, ...STATE_COLUMNS.map((c) => state[c]));
    const result = await db.executeQuery<{ held: number }>(
      CompiledQuery.raw(textFor(fence !== undefined, state !== undefined), params),
    );
    if (fence && result.rows[0]?.held !== 1) throw leaseLostError(fence.key);
  };
}

function buildStatement(fenced: boolean, withState: boolean): string {
  const fenceCte = fenced
    ? `update job_leases set fence = $1 where "key" = $2 and fence = $1 and owner = $3 returning 1`
    : // Unfenced, $1–$3 are null; the statement still names them, as PostgreSQL must type every parameter.
      `select 1 where $1::bigint is null and $2::text is null and $3::text is null`;
  const stateCte = withState
    ? `, state as (
  insert into sync_query_states (run_id, query_key, ${STATE_COLUMNS.join(', ')})
  select $14::text, $15::text, ${STATE_COLUMNS.map((c, i) => `$${16 + i}::${STATE_COLUMN_TYPES[c]}`).join(', ')}
  where exists (select 1 from fence)
  on conflict (run_id, query_key) do update set ${STATE_UPSERT_SET}
)`
    : '';
  return `with fence as (${fenceCte}),
stored as (
  insert into resources
    (connection_id, resource_type, resource_id, version_id, last_updated, version_rank, json, hash, fetched_at, sync_run_id)
  select $11::text, p.resource_type, p.resource_id, p.version_id, p.last_updated, p.version_rank, p.json, p.hash,
    $12::bigint, $13::text
  from unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[])
    as p(resource_type, resource_id, version_id, last_updated, version_rank, json, hash)
  where exists (select 1 from fence)
  on conflict (connection_id, resource_type, resource_id) do update set
  ${RESOURCE_UPSERT_SET}
)${stateCte}
select count(*)::int as held from fence`;
}
