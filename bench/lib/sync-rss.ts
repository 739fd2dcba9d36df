import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../../src/clock.ts';
import { createHostLimiter } from '../../src/fhir/host-limiter.ts';
import { createSilentLogger } from '../../src/log/logger.ts';
import { runSync } from '../../src/sync/run-sync.ts';
import { createTestStore } from '../../src/testing/databases.ts';
import type { ServerReport } from './sandbox-server.ts';

/**
 * Peak RSS (MB) of this process — chartbridge alone — while it syncs one generated patient of `resources`
 * resources from a sandbox FHIR server in a child process (no latency, bench tokens). Sampled every 50 ms.
 */
export async function measurePeakRss(resources: number, log: (line: string) => void): Promise<number> {
  const scenario = { synthetic: { patients: 1, resourcesPerPatient: resources, seed: 7 } };
  const entry = fileURLToPath(new URL('../sync.ts', import.meta.url));
  const child = fork(entry, ['--serve-sandbox', JSON.stringify(scenario)], {
    execArgv: ['--import', 'tsx'],
    stdio: 'inherit',
  });
  const report = await new Promise<ServerReport>((resolve) =>
    child.once('message', (m) => resolve(m as ServerReport)),
  );
  const { store, cleanup } = await createTestStore('sqlite');
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 50);
  try {
    const { orgId, patientId } = report.patients[0]!;
    const token = `${orgId}~${patientId}`;
    const now = Date.now();
    // A bare connection row without its user and directory entry: the bench needs none of them.
    store.sqlite?.pragma('foreign_keys = OFF');
    await store.db
      .insertInto('connections')
      .values({
        id: 'rss',
        user_id: 'u',
        endpoint_id: 'e',
        fhir_base: `${report.origin}/${orgId}/api/FHIR/R4`,
        issuer: 'x',
        token_endpoint: 'x',
        revocation_endpoint: null,
        introspection_endpoint: null,
        client_id: 'bench',
        patient_id: patientId,
        fhir_user: null,
        scope: 'patient/*.read',
        access_token_sealed: null,
        refresh_token_sealed: null,
        token_version: 1,
        access_expires_at: null,
        persistent_access_ends_at: null,
        refreshable: 0,
        status: 'active',
        status_reason: null,
        refresh_lease_owner: null,
        refresh_lease_until: null,
        last_sync_at: null,
        created_at: now,
        updated_at: now,
        refresh_retry_at: null,
      })
      .execute();
    const started = performance.now();
    const summary = await runSync({
      services: {
        store,
        clock: systemClock,
        log: createSilentLogger(),
        fetch,
        vault: { getAccessToken: async () => token, refreshAfterRejection: async () => token },
        hostLimiter: createHostLimiter(),
      },
      connectionId: 'rss',
    });
    peak = Math.max(peak, process.memoryUsage.rss());
    log(
      `generated patient: ${summary.status}, ${summary.resources} resources, ${summary.pages} pages in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    return peak / 1024 / 1024;
  } finally {
    clearInterval(timer);
    child.disconnect();
    await cleanup();
  }
}
