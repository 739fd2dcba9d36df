import { revokedDataDays } from '../../config/safeguards-config.ts';
import { Hono, type Context } from 'hono';
import { createConnectSession } from '../../connect/connect-sessions.ts';
import { disconnectConnection } from '../../connect/disconnect.ts';
import { ChartbridgeError } from '../../errors.ts';
import type { Services } from '../../services.ts';
import { createBinariesRepository, type BinariesRepository } from '../../store/binaries-repository.ts';
import { eraseConnection } from '../../connect/erase-connection.ts';
import type { ConnectionRow } from '../../store/connection-repository.ts';
import { createResourcesRepository, type ResourcesRepository } from '../../store/resources-repository.ts';
import { isSafeFhirId } from '../../fhir/fhir-id.ts';
import type { PatientConnectionView } from '../../web/patient/connection-view.ts';
import { renderConfirmPage } from '../../web/confirm-page.tsx';
import { renderMyHospitalsPage } from '../../web/patient/my-hospitals-page.tsx';
import {
  patientConfirmation,
  type PatientDestructiveAction,
} from '../../web/patient/patient-confirmations.ts';
import { renderDocumentPage } from '../../web/patient/record-document-page.tsx';
import { renderRecordPage, renderRecordSectionPage } from '../../web/patient/record-page.tsx';
import type { SectionId } from '../../web/record/record-page.tsx';
import { extractDocumentSections } from '../../web/record/document-text.ts';
import type { SourcedResource } from '../../web/record/record-summary.ts';
import { checkFormPost, ensureCsrfToken, findOwnConnection, readBrowserUserId } from './patient-session.ts';
import { recordPhiRead } from '../../audit/phi-reads.ts';

/** The resource types the record page shows; everything else stays in the store (and the export). */
const RECORD_TYPES = [
  'AllergyIntolerance',
  'Condition',
  'DiagnosticReport',
  'DocumentReference',
  'Encounter',
  'Immunization',
  'MedicationRequest',
  'Observation',
  'Procedure',
];
/** What each full-list page needs to read. */
const SECTION_TYPES: Record<SectionId, string[]> = {
  problems: ['Condition'],
  medications: ['MedicationRequest'],
  allergies: ['AllergyIntolerance'],
  immunizations: ['Immunization'],
  timeline: ['Encounter', 'Procedure'],
  documents: ['DiagnosticReport', 'DocumentReference'],
};
const PAGE = 2000;
const READABLE_TYPES = new Set([
  'text/plain',
  'text/html',
  'application/xml',
  'text/xml',
  'application/xhtml+xml',
]);
/** Types a browser may display as a download; anything else goes out as opaque bytes (case 35). */
const DOWNLOAD_TYPES = new Set(['application/pdf', 'image/png', 'image/jpeg', 'image/gif', 'text/plain']);

/**
 * The patient's own pages: their hospitals and each connection's health, the record across hospitals, documents,
 * and disconnect / delete / reconnect. Everything is scoped to the browser's own user (the `cb_user` cookie).
 */
export function createRecordRoutes(services: Services): Hono {
  const routes = new Hono();
  const deps: RecordDeps = {
    services,
    resources: createResourcesRepository(services.store.db),
    binaries: createBinariesRepository(services.store.db),
  };
  routes.get('/my', (c) => showMyHospitals(c, deps));
  routes.get('/my/record', (c) => showRecord(c, deps));
  routes.get('/my/record/:section', (c) => showRecordSection(c, deps));
  routes.get('/my/connections/:id/documents/:binaryId', (c) => showDocument(c, deps));
  // Each destructive POST has a GET: the confirm page saying what it will do, whose form is that POST.
  for (const action of ['disconnect', 'delete'] as const)
    routes.get(`/my/connections/:id/${action}`, (c) => confirmOwn(c, deps, action));
  routes.post('/my/connections/:id/disconnect', async (c) => {
    await checkFormPost(c, services.config.publicUrl);
    const row = await findOwnConnection(c, services);
    if (row.status !== 'revoked') await disconnectConnection(services, row.id, 'patient');
    return c.redirect('/my', 303);
  });
  routes.post('/my/connections/:id/delete', (c) => deleteOwnData(c, services));
  routes.post('/my/connections/:id/reconnect', (c) => reconnectOwn(c, services));
  return routes;
}

interface RecordDeps {
  services: Services;
  resources: ResourcesRepository;
  binaries: BinariesRepository;
}

async function showMyHospitals(c: Context, deps: RecordDeps): Promise<Response> {
  const rows = await listOwnConnections(c, deps.services);
  const connections = await Promise.all(rows.map((row) => toPatientView(deps, row)));
  const csrfToken = ensureCsrfToken(c, deps.services.config.publicUrl);
  return c.html(renderMyHospitalsPage({ connections, csrfToken }));
}

async function showRecord(c: Context, deps: RecordDeps): Promise<Response> {
  const rows = await listOwnConnections(c, deps.services);
  const resources = await loadRecord(deps, rows, RECORD_TYPES, 'GET /my/record');
  const csrfToken = ensureCsrfToken(c, deps.services.config.publicUrl);
  return c.html(renderRecordPage({ resources, hospitals: rows.length, csrfToken }));
}

async function showRecordSection(c: Context, deps: RecordDeps): Promise<Response> {
  const section = c.req.param('section') as SectionId;
  const types = SECTION_TYPES[section];
  if (!Object.hasOwn(SECTION_TYPES, section) || !types)
    throw new ChartbridgeError('ERR_NOT_FOUND', 'no such part of the record');
  const rows = await listOwnConnections(c, deps.services);
  const resources = await loadRecord(deps, rows, types, 'GET /my/record/:section');
  return c.html(renderRecordSectionPage({ section, resources }));
}

/** The browser's connections' resources of these types, each tagged with its hospital; one audit row each. */
async function loadRecord(
  deps: RecordDeps,
  rows: ConnectionRow[],
  types: string[],
  via: string,
): Promise<SourcedResource[]> {
  const loaded: SourcedResource[] = [];
  for (const row of rows) {
    const endpoint = await deps.services.repos.endpoints.findEndpointById(row.endpoint_id);
    const source = endpoint?.name ?? new URL(row.fhir_base).host;
    const before = loaded.length;
    const read = new Set<string>();
    for await (const resource of readRecordResources(deps.resources, row.id, types)) {
      loaded.push({ source, connectionId: row.id, resource });
      read.add(resource.resourceType);
    }
    const count = loaded.length - before;
    // The patient reading their own record is a read of patient data like any other (issue 14, point 5).
    if (count > 0) await recordPhiRead(deps.services, patientRead(row, 'phi.record', via, read, count));
  }
  return loaded;
}

function patientRead(
  row: ConnectionRow,
  action: 'phi.record' | 'phi.binary',
  via: string,
  types: Iterable<string>,
  count: number,
) {
  return { actor: 'patient' as const, action, connectionId: row.id, userId: row.user_id, via, types, count };
}

/** Notes and C-CDA as safe text; `?download=1` and every other type as an attachment the browser won't sniff. */
async function showDocument(c: Context, deps: RecordDeps): Promise<Response> {
  const row = await findOwnConnection(c, deps.services);
  const binaryId = c.req.param('binaryId') ?? '';
  const found = isSafeFhirId(binaryId) ? await deps.binaries.findForDownload(row.id, binaryId) : undefined;
  if (!found || found.status !== 'ok' || found.data === null)
    throw new ChartbridgeError('ERR_NOT_FOUND', 'this document is not stored here (yet)');
  const type = found.contentType.toLowerCase().split(';')[0]!.trim();
  const data = new Uint8Array(found.data);
  const via = 'GET /my/connections/:id/documents/:binaryId';
  await recordPhiRead(deps.services, patientRead(row, 'phi.binary', via, ['Binary'], 1));
  if (c.req.query('download') === undefined && READABLE_TYPES.has(type)) {
    const endpoint = await deps.services.repos.endpoints.findEndpointById(row.endpoint_id);
    const sections = extractDocumentSections(type, data);
    const hospital = endpoint?.name ?? 'your hospital';
    return c.html(renderDocumentPage({ hospital, sections, downloadHref: '?download=1' }));
  }
  return c.body(data, 200, {
    'Content-Type': DOWNLOAD_TYPES.has(type) ? type : 'application/octet-stream',
    'Content-Disposition': `attachment; filename="${binaryId}"`,
    'X-Content-Type-Options': 'nosniff',
  });
}

async function confirmOwn(c: Context, deps: RecordDeps, action: PatientDestructiveAction): Promise<Response> {
  const view = await toPatientView(deps, await findOwnConnection(c, deps.services));
  const csrfToken = ensureCsrfToken(c, deps.services.config.publicUrl);
  return c.html(
    renderConfirmPage({
      area: 'patient',
      confirm: patientConfirmation(action, view, csrfToken, revokedDataDays(deps.services.config.safeguards)),
    }),
  );
}

/** Disconnect (revoke at the EHR, drop tokens) and erase every copied resource, binary and run. */
async function deleteOwnData(c: Context, services: Services): Promise<Response> {
  await checkFormPost(c, services.config.publicUrl);
  const row = await findOwnConnection(c, services);
  await eraseConnection(services, row.id, 'patient');
  return c.redirect('/my', 303);
}

/** A fresh connect session for the same user, straight to the hospital's "before you connect" page. */
async function reconnectOwn(c: Context, services: Services): Promise<Response> {
  const publicUrl = services.config.publicUrl;
  await checkFormPost(c, publicUrl);
  const row = await findOwnConnection(c, services);
  const endpoint = await services.repos.endpoints.findEndpointById(row.endpoint_id);
  const session = await createConnectSession(
    { repos: services.repos, clock: services.clock, publicUrl, appOrigins: services.config.appOrigins },
    { userId: row.user_id },
  );
  const about = `${new URL(session.url).pathname}/about`;
  return c.redirect(endpoint ? `${about}?org=${encodeURIComponent(endpoint.organization_id)}` : about, 303);
}

async function listOwnConnections(c: Context, services: Services): Promise<ConnectionRow[]> {
  const userId = readBrowserUserId(c);
  return userId ? services.repos.connections.listByUser(userId) : [];
}

async function toPatientView(deps: RecordDeps, row: ConnectionRow): Promise<PatientConnectionView> {
  const endpoint = await deps.services.repos.endpoints.findEndpointById(row.endpoint_id);
  const counts = await deps.resources.countByType(row.id);
  return {
    id: row.id,
    hospital: endpoint?.name ?? new URL(row.fhir_base).host,
    status: row.status,
    refreshable: row.refreshable === 1,
    persistentAccessEndsAt: row.persistent_access_ends_at,
    lastSyncAt: row.last_sync_at,
    connectedAt: row.created_at,
    resources: [...counts.values()].reduce((a, b) => a + b, 0),
  };
}

async function* readRecordResources(
  resources: ResourcesRepository,
  connectionId: string,
  types: string[],
): AsyncGenerator<SourcedResource['resource']> {
  let after: { type: string; id: string } | undefined;
  for (;;) {
    const rows = await resources.list(connectionId, { types, after, limit: PAGE });
    for (const row of rows) yield JSON.parse(row.json) as SourcedResource['resource'];
    const last = rows.at(-1);
    if (rows.length < PAGE || !last) return;
    after = { type: last.resource_type, id: last.resource_id };
  }
}
