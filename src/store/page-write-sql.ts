/**
 * SQL shared by the page writers of both databases (src/store/sqlite-page-writer.ts, postgres-page-writer.ts):
 * the newest-version rule of a resource upsert and the columns of a query's resume state.
 */

/** Resource columns an upsert may replace (when the incoming version is newer); sync_run_id always moves. */
export const RESOURCE_VERSIONED_COLUMNS = [
  'version_id',
  'last_updated',
  'version_rank',
  'json',
  'hash',
  'fetched_at',
];

/** Replace only when the content differs and the incoming version is not older. */
const NEWER = `(excluded.hash <> resources.hash and (excluded.version_rank = '' or excluded.version_rank >= resources.version_rank))`;

/** The `do update set` of a resource upsert: newest version wins; always marked as seen by this run. */
export const RESOURCE_UPSERT_SET = `${RESOURCE_VERSIONED_COLUMNS.map(
  (c) => `${c} = case when ${NEWER} then excluded.${c} else resources.${c} end`,
).join(',\n  ')},
  sync_run_id = excluded.sync_run_id`;

/** sync_query_states columns besides its key (run_id, query_key), with their PostgreSQL types. */
export const STATE_COLUMN_TYPES = {
  resource_type: 'text',
  category: 'text',
  status: 'text',
  next_url: 'text',
  resources: 'integer',
  pages: 'integer',
  bytes: 'bigint',
  http_status: 'integer',
  reason: 'text',
  warnings: 'text',
  updated_at: 'bigint',
  dropped: 'integer',
  drop_reasons: 'text',
  unavailable: 'integer',
} as const;

export const STATE_COLUMNS = Object.keys(STATE_COLUMN_TYPES) as Array<keyof typeof STATE_COLUMN_TYPES>;

export const STATE_UPSERT_SET = STATE_COLUMNS.map((c) => `${c} = excluded.${c}`).join(', ');
