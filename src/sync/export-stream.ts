import type { BinariesRepository } from '../store/binaries-repository.ts';
import type { ResourceCursor, ResourcesRepository } from '../store/resources-repository.ts';

export type ExportFormat = 'ndjson' | 'bundle';
export const EXPORT_FORMATS: ExportFormat[] = ['ndjson', 'bundle'];

const BATCH = 500;
const BINARY_BATCH = 100;

export interface ExportSource {
  resources: ResourcesRepository;
  binaries: BinariesRepository;
  /** The connection's FHIR base: every Bundle `fullUrl` is `{fhirBase}/{Type}/{id}`. */
  fhirBase: string;
}

export interface ExportOptions {
  type?: string;
  since?: number;
  /** Stored attachments as FHIR Binary resources after the other resources (default true, not with `type`). */
  attachments?: boolean;
  /** Counted as the export goes: what the audit row of this read says was sent (issue 14, point 5). */
  tally?: ExportTally;
}

export interface ExportTally {
  resources: number;
  binaries: number;
  types: Set<string>;
}

export function createExportTally(): ExportTally {
  return { resources: 0, binaries: 0, types: new Set() };
}

/**
 * The stored record as text chunks, read in bounded batches so memory stays flat for any record size: NDJSON
 * (one resource per line) or one FHIR `collection` Bundle with absolute `fullUrl`s. Resources are the stored JSON
 * verbatim; then each stored attachment, one at a time, as a Binary with base64 `data` (its key as id, and the
 * url it came from in `meta.source`).
 */
export async function* streamExport(
  source: ExportSource,
  connectionId: string,
  format: ExportFormat,
  options: ExportOptions = {},
): AsyncGenerator<string> {
  const base = source.fhirBase.replace(/\/+$/, '');
  let first = true;
  const entry = (type: string, id: string, json: string): string => {
    if (format === 'ndjson') return `${json}\n`;
    const text = `${first ? '' : ','}{"fullUrl":${JSON.stringify(`${base}/${type}/${id}`)},"resource":${json}}`;
    first = false;
    return text;
  };
  if (format === 'bundle') yield '{"resourceType":"Bundle","type":"collection","entry":[';
  const { attachments = true, tally = createExportTally(), ...filter } = options;
  let after: ResourceCursor | undefined;
  for (;;) {
    const rows = await source.resources.list(connectionId, { ...filter, after, limit: BATCH });
    if (rows.length === 0) break;
    // Counted as the batch is handed on (before the yield): an audit row may say too many, never too few.
    tally.resources += rows.length;
    for (const row of rows) tally.types.add(row.resource_type);
    yield rows.map((row) => entry(row.resource_type, row.resource_id, row.json)).join('');
    if (rows.length < BATCH) break;
    const last = rows[rows.length - 1]!;
    after = { type: last.resource_type, id: last.resource_id };
  }
  if (attachments && filter.type === undefined && filter.since === undefined) {
    for await (const binary of readBinaries(source, connectionId, base)) {
      tally.binaries += 1;
      yield entry('Binary', binary.id, JSON.stringify(binary));
    }
  }
  if (format === 'bundle') yield ']}\n';
}

async function* readBinaries(source: ExportSource, connectionId: string, base: string) {
  let after: string | undefined;
  for (;;) {
    const listed = await source.binaries.listStored(connectionId, after, BINARY_BATCH);
    for (const binary of listed) {
      const found = await source.binaries.findForDownload(connectionId, binary.binaryId);
      if (!found?.data) continue;
      yield {
        resourceType: 'Binary',
        id: binary.binaryId,
        ...(binary.source === null ? {} : { meta: { source: `${base}/${binary.source}` } }),
        contentType: binary.contentType,
        data: found.data.toString('base64'),
      };
    }
    if (listed.length < BINARY_BATCH) return;
    after = listed[listed.length - 1]!.binaryId;
  }
}
