import type { ResourceCursor, ResourcesRepository } from '../store/resources-repository.ts';

export type ExportFormat = 'ndjson' | 'bundle';
export const EXPORT_FORMATS: ExportFormat[] = ['ndjson', 'bundle'];

const BATCH = 500;

/**
 * The stored record as text chunks, read in bounded batches so memory stays flat for any record size: NDJSON
 * (one resource per line) or one FHIR `collection` Bundle. Resources are the stored JSON verbatim.
 */
export async function* streamExport(
  resources: ResourcesRepository,
  connectionId: string,
  format: ExportFormat,
  options: { type?: string; since?: number } = {},
): AsyncGenerator<string> {
  let first = true;
  if (format === 'bundle') yield '{"resourceType":"Bundle","type":"collection","entry":[';
  let after: ResourceCursor | undefined;
  for (;;) {
    const rows = await resources.list(connectionId, { ...options, after, limit: BATCH });
    if (rows.length === 0) break;
    const parts: string[] = [];
    for (const row of rows) {
      if (format === 'ndjson') parts.push(`${row.json}\n`);
      else {
        parts.push(
          `${first ? '' : ','}{"fullUrl":"${row.resource_type}/${row.resource_id}","resource":${row.json}}`,
        );
        first = false;
      }
    }
    yield parts.join('');
    if (rows.length < BATCH) break;
    const last = rows[rows.length - 1]!;
    after = { type: last.resource_type, id: last.resource_id };
  }
  if (format === 'bundle') yield ']}\n';
}
