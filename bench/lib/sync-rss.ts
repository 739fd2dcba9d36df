import { systemClock } from '../../src/clock.ts';
import { createHostLimiter } from '../../src/fhir/host-limiter.ts';
import { createSilentLogger } from '../../src/log/logger.ts';
import { runSync } from '../../src/sync/run-sync.ts';
import { createTestStore } from '../../src/testing/databases.ts';
import { insertBareConnection, startBenchFhirServer } from './bench-fhir-server.ts';

/**
 * Peak RSS (MB) of this process — chartbridge alone — while it syncs one generated patient of `resources`
 * resources from a sandbox FHIR server in a child process (no latency, bench tokens). Sampled every 50 ms.
 */
export async function measurePeakRss(resources: number, log: (line: string) => void): Promise<number> {
  const server = await startBenchFhirServer({
    synthetic: { patients: 1, resourcesPerPatient: resources, seed: 7 },
  });
  const { store, cleanup } = await createTestStore('sqlite');
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 50);
  try {
    const { orgId, patientId } = server.started.patients[0]!;
    const token = `${orgId}~${patientId}`;
    const fhirBase = `${server.started.origin}/${orgId}/api/FHIR/R4`;
    await insertBareConnection(store, { id: 'rss', fhirBase, patientId, scope: 'patient/*.read' });
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
    server.close();
    await cleanup();
  }
}
