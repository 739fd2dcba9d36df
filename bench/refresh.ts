/**
 * `npm run bench refresh [-- --seconds N --connections N --concurrency N]`: refreshes per second one process
 * sustains against the sandbox EHR over HTTP (real leases in SQLite, real client assertions, real rotation).
 * The sandbox runs in the same process, so its work (assertion verification, token issue) is included.
 * `--dialect postgres` needs CHARTBRIDGE_TEST_PG_URL (a server where throw-away databases can be created).
 */
import { parseArgs } from 'node:util';
import { startConnectedApp } from '../src/testing/connected-app.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '4' },
    dialect: { type: 'string', default: 'sqlite' },
  },
});
const seconds = Number(values.seconds);
const connectionCount = Number(values.connections);
const concurrency = Number(values.concurrency);
const dialect = values.dialect === 'postgres' ? 'postgres' : 'sqlite';

const app = await startConnectedApp({ dialect });
try {
  const ids: string[] = [];
  for (let i = 0; i < connectionCount; i += 1) ids.push(await app.connectPatient(`bench-${i}`));
  // Warm-up: JWKS caches, discovery, JIT.
  await Promise.all(ids.slice(0, concurrency).map((id) => app.services.vault.refreshNow(id)));
  const latencies: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      // Each worker owns distinct connections, so refreshes never wait on each other's lease.
      const mine = ids.filter((_, index) => index % concurrency === worker);
      while (performance.now() < deadline) {
        const id = mine[next++ % mine.length]!;
        const t0 = performance.now();
        await app.services.vault.refreshNow(id);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pick = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!.toFixed(1);
  const calls = app.sandbox.tokens.tokenEndpointCalls();
  console.log(
    JSON.stringify(
      {
        benchmark: 'refresh',
        dialect,
        connections: connectionCount,
        concurrency,
        seconds: Number(elapsed.toFixed(2)),
        refreshes: latencies.length,
        refreshesPerSecond: Number((latencies.length / elapsed).toFixed(1)),
        latencyMs: { p50: pick(0.5), p95: pick(0.95), p99: pick(0.99) },
        sandboxRefreshCalls: calls.refresh_token,
        rssMb: Math.round(process.memoryUsage().rss / 1e6),
      },
      null,
      2,
    ),
  );
} finally {
  await app.close();
}
