import { loadSandboxData } from '../../src/sandbox/data/load-data.ts';
import { runSync } from '../../src/sync/run-sync.ts';
import { startConnectedApp } from '../../src/testing/connected-app.ts';

/**
 * Peak RSS (MB) of this process while it syncs one generated patient of `resources` resources from a sandbox in
 * the same process (no latency). Sampled every 100 ms; run it in a fresh process so nothing else counts.
 */
export async function measurePeakRss(resources: number, log: (line: string) => void): Promise<number> {
  const data = await loadSandboxData({
    synthetic: { patients: 1, resourcesPerPatient: resources, seed: 7 },
    organizations: 1,
  });
  const app = await startConnectedApp({ sandboxOptions: { data } });
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 100);
  try {
    const org = app.sandbox.orgs()[0]!;
    const patient = data.organization(org.id)!.patients[0]!;
    const connectionId = await app.connectPatient('rss-user', { orgId: org.id, username: patient.username });
    const started = performance.now();
    const summary = await runSync({ services: app.services, connectionId });
    peak = Math.max(peak, process.memoryUsage.rss());
    log(
      `200k patient: ${summary.status}, ${summary.resources} resources in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    return peak / 1024 / 1024;
  } finally {
    clearInterval(timer);
    await app.close();
  }
}
