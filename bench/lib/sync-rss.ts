import { runSync } from '../../src/sync/run-sync.ts';
import { createTestStore } from '../../src/testing/databases.ts';
import { connectFirstPatient, startBenchFhirServer } from './bench-fhir-server.ts';

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
    const { services } = await connectFirstPatient(server, store, { id: 'rss', scope: 'patient/*.read' });
    const started = performance.now();
    const summary = await runSync({ services, connectionId: 'rss' });
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
