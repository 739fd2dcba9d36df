import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { stream } from 'hono/streaming';
import { ChartbridgeError } from '../../errors.ts';
import { isSafeFhirId } from '../../fhir/fhir-id.ts';
import type { Services } from '../../services.ts';
import { createBinariesRepository } from '../../store/binaries-repository.ts';
import { createResourcesRepository } from '../../store/resources-repository.ts';
import { createSyncRunsRepository } from '../../store/sync-runs-repository.ts';
import { buildCoverageReport } from '../../sync/coverage.ts';
import { createExportTally, streamExport } from '../../sync/export-stream.ts';
import { createApiRoutes } from '../api/api-routes.ts';
import { booleanQuery, ConnectionIdParams, errorResponses, jsonResponse } from '../api/api-schemas.ts';
import {
  CoverageReport,
  ExportQuery,
  parseCursor,
  parseSince,
  ResourcesQuery,
  SearchsetBundle,
  SyncQueued,
  SyncRun,
} from '../api/data-schemas.ts';
import {
  recordExportEnd,
  recordExportStart,
  recordPhiRead,
  summaryRead,
  type ReadOrigin,
} from '../../audit/phi-reads.ts';
import type { ConnectionRow } from '../../store/connection-repository.ts';
import type { Logger } from '../../log/logger.ts';
import { buildNextUrl, toRunJson } from './data-responses.ts';

/** Types a browser could render or run; served as opaque bytes instead (A10). */
const SAFE_DOWNLOAD_TYPES = new Set([
  'application/pdf',
  'image/png',
  'image/jpeg',
  'image/gif',
  'text/plain',
]);

const syncRunsRoute = createRoute({
  method: 'get',
  path: '/api/connections/{id}/sync-runs',
  summary: 'The 50 newest sync runs: counts per query, drops with reasons, warnings and errors',
  request: { params: ConnectionIdParams },
  responses: {
    200: jsonResponse(z.object({ runs: z.array(SyncRun) }), 'Newest first'),
    ...errorResponses('ERR_INVALID_INPUT', 'ERR_NOT_FOUND'),
  },
});

const coverageRoute = createRoute({
  method: 'get',
  path: '/api/connections/{id}/coverage',
  summary: 'Per type and category of the newest full run: how many arrived, or why none did',
  request: { params: ConnectionIdParams },
  responses: {
    200: jsonResponse(CoverageReport, 'The coverage report'),
    ...errorResponses('ERR_INVALID_INPUT', 'ERR_NOT_FOUND'),
  },
});

const resourcesRoute = createRoute({
  method: 'get',
  path: '/api/connections/{id}/resources',
  summary: 'Stored FHIR resources, filtered by type and `_since`, paged by `_cursor`',
  request: { params: ConnectionIdParams, query: ResourcesQuery },
  responses: {
    200: jsonResponse(SearchsetBundle, 'One page'),
    ...errorResponses('ERR_INVALID_INPUT', 'ERR_NOT_FOUND'),
  },
});

const exportRoute = createRoute({
  method: 'get',
  path: '/api/connections/{id}/export',
  summary: 'Everything stored for the connection, streamed as NDJSON or one FHIR Bundle',
  request: { params: ConnectionIdParams, query: ExportQuery },
  responses: {
    200: {
      description: 'A download (`Content-Disposition: attachment`)',
      content: {
        'application/fhir+ndjson': { schema: { type: 'string', description: 'One FHIR resource per line' } },
        'application/fhir+json': {
          schema: { type: 'object', description: 'A FHIR Bundle of type collection' },
        },
      },
    },
    ...errorResponses('ERR_INVALID_INPUT', 'ERR_NOT_FOUND'),
  },
});

const binaryRoute = createRoute({
  method: 'get',
  path: '/api/connections/{id}/binaries/{binaryId}',
  summary: "A stored attachment's bytes (types a browser could run are served as application/octet-stream)",
  request: {
    params: ConnectionIdParams.extend({
      binaryId: z
        .string()
        .refine(isSafeFhirId, {
          error: "'binaryId' must be an id safe in a url path (at most 1024 characters)",
        })
        .openapi({ param: { name: 'binaryId', in: 'path' }, example: 'doc-1' }),
    }),
  },
  responses: {
    200: {
      description: 'The bytes, as a download',
      content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
    },
    ...errorResponses('ERR_INVALID_INPUT', 'ERR_NOT_FOUND'),
  },
});

const syncRoute = createRoute({
  method: 'post',
  path: '/api/connections/{id}/sync',
  summary: 'Queue a sync (incremental; `?full=true` reads everything again)',
  request: {
    params: ConnectionIdParams,
    query: z.object({ full: booleanQuery('full').optional().openapi({ default: 'false' }) }),
  },
  responses: {
    202: jsonResponse(SyncQueued, 'Queued, or absorbed by an identical sync already waiting'),
    ...errorResponses('ERR_INVALID_INPUT', 'ERR_NOT_FOUND', 'ERR_CONNECTION_INACTIVE'),
  },
});

/**
 * Data out (issue 8): sync runs, coverage, resources by type with `_since`, streamed export, binary download,
 * and starting a sync. Behind the API key (management-api.ts); every id and filter is validated by the routes' schemas before it reaches the
 * store.
 */
export function createDataRoutes(services: Services): OpenAPIHono {
  const routes = createApiRoutes();
  const db = services.store.db;
  const resources = createResourcesRepository(db);
  const runs = createSyncRunsRepository(db);
  const binaries = createBinariesRepository(db);

  const connectionRowOf = async (id: string) => {
    const row = await services.repos.connections.findById(id);
    if (!row) throw new ChartbridgeError('ERR_NOT_FOUND', `connection '${id}' not found`);
    return row;
  };

  routes.openapi(syncRunsRoute, async (c) => {
    const row = await connectionRowOf(c.req.valid('param').id);
    const listed = (await runs.listRuns(row.id, 50)).map(toRunJson);
    // Per query, its resource type and how many arrived: like coverage, a summary of what the patient has.
    const read = summaryRead(listed.flatMap((run) => run.queries));
    await recordPhiRead(services, { ...apiReader(row, 'sync-runs'), action: 'phi.summary', ...read });
    return c.json({ runs: listed }, 200);
  });
  routes.openapi(coverageRoute, async (c) => {
    const row = await connectionRowOf(c.req.valid('param').id);
    const report = await buildCoverageReport({ runs, resources }, row.id);
    const read = summaryRead(report.entries);
    await recordPhiRead(services, { ...apiReader(row, 'coverage'), action: 'phi.summary', ...read });
    return c.json(report, 200);
  });
  routes.openapi(resourcesRoute, async (c) => {
    const row = await connectionRowOf(c.req.valid('param').id);
    const id = row.id;
    const query = c.req.valid('query');
    const filter = {
      type: query.type,
      since: query._since === undefined ? undefined : parseSince(query._since),
      after: query._cursor === undefined ? undefined : parseCursor(query._cursor),
      limit: query._count ?? 500,
    };
    const rows = await resources.list(id, filter);
    const types = rows.map((r) => r.resource_type);
    await recordPhiRead(services, {
      ...apiReader(row, 'resources'),
      action: 'phi.resources',
      types,
      count: rows.length,
    });
    const last = rows[rows.length - 1];
    const next =
      rows.length === filter.limit && last ? `${last.resource_type}/${last.resource_id}` : undefined;
    return c.json(
      {
        resourceType: 'Bundle' as const,
        type: 'searchset' as const,
        entry: rows.map((row) => ({ resource: JSON.parse(row.json) as unknown })),
        ...(next ? { link: [{ relation: 'next' as const, url: buildNextUrl(c, next) }] } : {}),
      },
      200,
    );
  });
  routes.openapi(exportRoute, async (c) => {
    const row = await connectionRowOf(c.req.valid('param').id);
    const { id, fhir_base: fhirBase } = row;
    const { format = 'ndjson', attachments = 'true' } = c.req.valid('query');
    const reader = apiReader(row, 'export');
    // Before the first byte: an export whose audit row cannot be written is refused (500), not sent unrecorded.
    await recordExportStart(services, reader);
    c.header('Content-Type', format === 'ndjson' ? 'application/fhir+ndjson' : 'application/fhir+json');
    c.header(
      'Content-Disposition',
      `attachment; filename="${id}.${format === 'ndjson' ? 'ndjson' : 'json'}"`,
    );
    const streamed = stream(
      c,
      async (out) => {
        const source = { resources, binaries, fhirBase };
        const tally = createExportTally();
        const options = { attachments: attachments === 'true', tally };
        let complete = false;
        try {
          for await (const chunk of streamExport(source, id, format, options)) {
            // A reader that went away reads no more: stop, so the audit row counts what it was sent.
            if (out.aborted) break;
            await out.write(chunk);
          }
          complete = !out.aborted;
        } finally {
          // After the stream: only then is the count known.
          await recordExportEnd(services, reader, { tally, complete });
        }
      },
      // The status and headers are gone by now: log the failure (name and code only, never a message that could
      // quote the data) in the request's context; the client sees the download cut short.
      async (error) => logStreamFailure(services.log, error),
    );
    // @hono/zod-openapi types a `+json` answer as c.json's; this one is a stream, described but not typed.
    return streamed as never;
  });
  routes.openapi(binaryRoute, async (c) => {
    const { id: connectionId, binaryId } = c.req.valid('param');
    const row = await connectionRowOf(connectionId);
    const id = row.id;
    const found = await binaries.findForDownload(id, binaryId);
    if (!found || found.status !== 'ok' || found.data === null) {
      throw new ChartbridgeError('ERR_NOT_FOUND', `binary '${binaryId}' is not stored for this connection`);
    }
    await recordPhiRead(services, {
      ...apiReader(row, 'binaries/:binaryId'),
      action: 'phi.binary',
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
  routes.openapi(syncRoute, async (c) => {
    const { id, status } = await connectionRowOf(c.req.valid('param').id);
    const full = c.req.valid('query').full === 'true';
    if (status !== 'active')
      throw new ChartbridgeError(
        'ERR_CONNECTION_INACTIVE',
        `connection '${id}' is ${status}; the patient must connect again`,
      );
    // A worker runs it; an identical sync already waiting absorbs this request (its id comes back null).
    const jobId = await services.jobs.send('sync', full ? { connectionId: id, full } : { connectionId: id });
    return c.json({ connectionId: id, status: jobId ? 'queued' : 'already_queued', full, jobId }, 202);
  });
  return routes;
}

/** The audit row's who and where for an API read; the route is named with placeholders, never with ids. */
function apiReader(row: ConnectionRow, path: string): ReadOrigin {
  const via = `GET /api/connections/:id/${path}`;
  return { actor: 'api', connectionId: row.id, userId: row.user_id, via };
}

/** An export that failed mid-stream: the error's name and code (a driver's code, not its message, which may quote
 * a row), through the request's logger so the line carries its request id. */
function logStreamFailure(log: Logger, error: Error): void {
  const errorCode = (error as NodeJS.ErrnoException).code;
  log.error(
    {
      errorName: error.name,
      ...(errorCode === undefined ? {} : { errorCode: String(errorCode) }),
      route: '/api/connections/:id/export',
    },
    'export stream failed',
  );
}
