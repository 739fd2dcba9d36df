import { Hono, type Context } from 'hono';
import { stream } from 'hono/streaming';
import { ChartbridgeError } from '../../errors.ts';
import type { Services } from '../../services.ts';
import { createBinariesRepository } from '../../store/binaries-repository.ts';
import { createResourcesRepository } from '../../store/resources-repository.ts';
import { createSyncRunsRepository, type SyncRunRow } from '../../store/sync-runs-repository.ts';
import { buildCoverageReport } from '../../sync/coverage.ts';
import { addDrops, listDrops, type DropCounts } from '../../sync/drop-counts.ts';
import { EXPORT_FORMATS, streamExport, type ExportFormat } from '../../sync/export-stream.ts';
import { isSafeFhirId } from '../../fhir/fhir-id.ts';
import { RESOURCE_TYPE } from '../../sync/prepare-resource.ts';
import { requireApiKey } from '../middleware/api-key.ts';
import { recordPhiRead, summaryRead, type PhiReadAction } from '../../audit/phi-reads.ts';
import type { ConnectionRow } from '../../store/connection-repository.ts';
import { createExportTally } from '../../sync/export-stream.ts';

const ID_PATTERN = /^[A-Za-z0-9._:@-]{1,128}$/;
/** Types a browser could render or run; served as opaque bytes instead (A10). */
const SAFE_DOWNLOAD_TYPES = new Set([
  'application/pdf',
  'image/png',
  'image/jpeg',
  'image/gif',
  'text/plain',
]);

/**
 * Data out (issue 8): sync runs, coverage, resources by type with `_since`, streamed export, binary download,
 * and starting a sync. API key; every id and filter is validated before it reaches the store.
 */
export function createDataRoutes(services: Services): Hono {
  const routes = new Hono();
  const db = services.store.db;
  const resources = createResourcesRepository(db);
  const runs = createSyncRunsRepository(db);
  const binaries = createBinariesRepository(db);
  routes.use('/api/connections/*', requireApiKey(services.config.apiKey));

  const connectionRowOf = async (c: Context) => {
    const id = c.req.param('id') ?? '';
    if (!ID_PATTERN.test(id))
      throw invalid("'connection id' must be 1-128 characters of letters, digits and . _ : @ -");
    const row = await services.repos.connections.findById(id);
    if (!row) throw new ChartbridgeError('ERR_NOT_FOUND', `connection '${id}' not found`, { status: 404 });
    return row;
  };
  const connectionOf = async (c: Context): Promise<string> => (await connectionRowOf(c)).id;

  routes.get('/api/connections/:id/sync-runs', async (c) => {
    const rows = await runs.listRuns(await connectionOf(c), 50);
    return c.json({ runs: rows.map(toRunJson) });
  });
  routes.get('/api/connections/:id/coverage', async (c) => {
    const row = await connectionRowOf(c);
    const report = await buildCoverageReport({ runs, resources }, row.id);
    const read = summaryRead(report.entries);
    await recordPhiRead(services, { ...apiRead(row, 'phi.summary', 'coverage'), ...read });
    return c.json(report);
  });
  routes.get('/api/connections/:id/resources', async (c) => {
    const row = await connectionRowOf(c);
    const id = row.id;
    const filter = readResourceFilter(c);
    const rows = await resources.list(id, filter);
    const types = rows.map((r) => r.resource_type);
    await recordPhiRead(services, {
      ...apiRead(row, 'phi.resources', 'resources'),
      types,
      count: rows.length,
    });
    const last = rows[rows.length - 1];
    const next =
      rows.length === filter.limit && last ? `${last.resource_type}/${last.resource_id}` : undefined;
    return c.json({
      resourceType: 'Bundle',
      type: 'searchset',
      entry: rows.map((row) => ({ resource: JSON.parse(row.json) as unknown })),
      ...(next ? { link: [{ relation: 'next', url: buildNextUrl(c, next) }] } : {}),
    });
  });
  routes.get('/api/connections/:id/export', async (c) => {
    const row = await connectionRowOf(c);
    const { id, fhir_base: fhirBase } = row;
    const format = c.req.query('format') ?? 'ndjson';
    if (!EXPORT_FORMATS.includes(format as ExportFormat)) throw invalid("'format' must be ndjson or bundle");
    const attachments = c.req.query('attachments') ?? 'true';
    if (attachments !== 'true' && attachments !== 'false')
      throw invalid("'attachments' must be true or false");
    c.header('Content-Type', format === 'ndjson' ? 'application/fhir+ndjson' : 'application/fhir+json');
    c.header(
      'Content-Disposition',
      `attachment; filename="${id}.${format === 'ndjson' ? 'ndjson' : 'json'}"`,
    );
    return stream(c, async (out) => {
      const source = { resources, binaries, fhirBase };
      const tally = createExportTally();
      const options = { attachments: attachments === 'true', tally };
      let complete = false;
      try {
        for await (const chunk of streamExport(source, id, format as ExportFormat, options)) {
          // A reader that went away reads no more: stop, so the audit row counts what it was sent.
          if (out.aborted) break;
          await out.write(chunk);
        }
        complete = !out.aborted;
      } finally {
        // After the stream: only then is the count known. Binaries go out as Binary resources.
        const types = tally.binaries > 0 ? [...tally.types, 'Binary'] : tally.types;
        const count = tally.resources + tally.binaries;
        await recordPhiRead(services, { ...apiRead(row, 'phi.export', 'export'), types, count, complete });
      }
    });
  });
  routes.get('/api/connections/:id/binaries/:binaryId', async (c) => {
    const row = await connectionRowOf(c);
    const id = row.id;
    const binaryId = c.req.param('binaryId');
    if (!isSafeFhirId(binaryId))
      throw invalid("'binaryId' must be an id safe in a url path (at most 1024 characters)");
    const found = await binaries.findForDownload(id, binaryId);
    if (!found || found.status !== 'ok' || found.data === null) {
      throw new ChartbridgeError('ERR_NOT_FOUND', `binary '${binaryId}' is not stored for this connection`, {
        status: 404,
      });
    }
    await recordPhiRead(services, {
      ...apiRead(row, 'phi.binary', 'binaries/:binaryId'),
      types: ['Binary'],
      count: 1,
    });
    const type = SAFE_DOWNLOAD_TYPES.has(found.contentType) ? found.contentType : 'application/octet-stream';
    return c.body(new Uint8Array(found.data), 200, {
      'Content-Type': type,
      'Content-Disposition': `attachment; filename="${binaryId}"`,
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "default-src 'none'; sandbox",
    });
  });
  routes.post('/api/connections/:id/sync', async (c) => {
    const { id, status } = await connectionRowOf(c);
    const full = c.req.query('full') === 'true';
    if (status !== 'active')
      throw new ChartbridgeError(
        'ERR_CONNECTION_INACTIVE',
        `connection '${id}' is ${status}; the patient must connect again`,
        { status: 409 },
      );
    // A worker runs it; an identical sync already waiting absorbs this request (its id comes back null).
    const jobId = await services.jobs.send('sync', full ? { connectionId: id, full } : { connectionId: id });
    return c.json({ connectionId: id, status: jobId ? 'queued' : 'already_queued', full, jobId }, 202);
  });
  return routes;
}

/** The audit row's who and where for an API read; the route is named with placeholders, never with ids. */
function apiRead(row: ConnectionRow, action: PhiReadAction, path: string) {
  const via = `GET /api/connections/:id/${path}`;
  return { actor: 'api' as const, action, connectionId: row.id, userId: row.user_id, via };
}

function readResourceFilter(c: Context) {
  const type = c.req.query('type');
  if (type !== undefined && !RESOURCE_TYPE.test(type))
    throw invalid("'type' must be a fhir resource type like Observation");
  const sinceText = c.req.query('_since');
  let since: number | undefined;
  if (sinceText !== undefined) {
    since = /^\d{1,15}$/.test(sinceText) ? Number(sinceText) : Date.parse(sinceText);
    if (!Number.isFinite(since) || sinceText.length > 40)
      throw invalid("'_since' must be an ISO date-time or epoch milliseconds");
  }
  const countText = c.req.query('_count') ?? '500';
  if (!/^\d{1,4}$/.test(countText) || Number(countText) < 1 || Number(countText) > 5000)
    throw invalid("'_count' must be 1-5000");
  const cursor = c.req.query('_cursor');
  let after: { type: string; id: string } | undefined;
  if (cursor !== undefined) {
    const [t, i, ...rest] = cursor.split('/');
    if (rest.length > 0 || !t || !i || !RESOURCE_TYPE.test(t) || !isSafeFhirId(i))
      throw invalid("'_cursor' must be a next link's value");
    after = { type: t, id: i };
  }
  return { type, since, after, limit: Number(countText) };
}

function buildNextUrl(c: Context, cursor: string): string {
  const url = new URL(c.req.url);
  url.searchParams.set('_cursor', cursor);
  return `${url.pathname}${url.search}`;
}

function toRunJson(row: SyncRunRow) {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  const queries = JSON.parse(row.queries) as Array<{
    dropReasons?: Array<{ reason: string; count: number }>;
  }>;
  const drops: DropCounts = {};
  for (const query of queries)
    for (const { reason, count } of query.dropReasons ?? []) addDrops(drops, { [reason]: count });
  return {
    id: row.id,
    status: row.status,
    reason: row.reason,
    full: row.full === 1,
    startedAt: iso(row.started_at),
    finishedAt: iso(row.finished_at),
    resources: Number(row.resources),
    pages: Number(row.pages),
    bytes: Number(row.bytes),
    dropped: Number(row.dropped),
    dropReasons: listDrops(drops),
    queries,
    warnings: JSON.parse(row.warnings) as unknown,
    errors: JSON.parse(row.errors) as unknown,
  };
}

function invalid(message: string): ChartbridgeError {
  return new ChartbridgeError('ERR_INVALID_INPUT', message, { status: 400 });
}
