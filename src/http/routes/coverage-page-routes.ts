import { Hono, type Context } from 'hono';
import { recordPhiRead, summaryRead } from '../../audit/phi-reads.ts';
import type { Services } from '../../services.ts';
import { createBinariesRepository } from '../../store/binaries-repository.ts';
import { createResourcesRepository } from '../../store/resources-repository.ts';
import { createSyncRunsRepository } from '../../store/sync-runs-repository.ts';
import { buildCoverageReport } from '../../sync/coverage.ts';
import {
  summarizeCoverage,
  toAttachmentCoverage,
  type HospitalCoverage,
} from '../../web/coverage/coverage-model.ts';
import { renderCoveragePage } from '../../web/coverage/coverage-page.tsx';
import { readBrowserUserId } from './patient-session.ts';

/** The patient's "Where is the rest of my record?" (issue 13): the coverage report of each own connection. */
export function createCoveragePageRoutes(services: Services): Hono {
  const routes = new Hono();
  const db = services.store.db;
  const repos = { runs: createSyncRunsRepository(db), resources: createResourcesRepository(db) };
  const binaries = createBinariesRepository(db);
  routes.get('/my/coverage', async (c) => c.html(renderCoveragePage({ hospitals: await loadOwn(c) })));

  async function loadOwn(c: Context): Promise<HospitalCoverage[]> {
    const userId = readBrowserUserId(c);
    const rows = userId ? await services.repos.connections.listByUser(userId) : [];
    const hospitals: HospitalCoverage[] = [];
    for (const row of rows) {
      const endpoint = await services.repos.endpoints.findEndpointById(row.endpoint_id);
      const report = await buildCoverageReport(repos, row.id);
      const summary = { ...summaryRead(report.entries), connectionId: row.id, userId: row.user_id };
      await recordPhiRead(services, {
        actor: 'patient',
        action: 'phi.summary',
        via: 'GET /my/coverage',
        ...summary,
      });
      // Attachments as they stand now (binaries rows), not as the reported full run left them: later syncs retry.
      const attachments = toAttachmentCoverage(await binaries.summarize(row.id));
      hospitals.push(summarizeCoverage(endpoint?.name ?? new URL(row.fhir_base).host, report, attachments));
    }
    return hospitals;
  }
  return routes;
}
