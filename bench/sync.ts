/**
 * `npm run bench:sync`: chartbridge's sync against fhirclient.js and the physical bound on the 5k-resource
 * fixture (sandbox with 50 ms per request, ≤ 50 per page), peak concurrency from the sandbox log, store-alone
 * ingest speed on SQLite, and peak RSS syncing a generated 200,000-resource patient (in a child process).
 * The last line is one JSON object with the figures.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { measureNetwork } from './lib/sync-network.ts';
import { measurePeakRss } from './lib/sync-rss.ts';
import { measureStore } from './lib/sync-store.ts';
import { serveForBench, type BenchScenario } from './lib/sandbox-server.ts';

const { values } = parseArgs({
  options: {
    'rss-only': { type: 'boolean', default: false },
    'rss-resources': { type: 'string', default: '200000' },
    'serve-sandbox': { type: 'string' },
  },
});
const log = (line: string) => process.stderr.write(`${line}\n`);

if (values['serve-sandbox']) {
  await serveForBench(JSON.parse(values['serve-sandbox']) as BenchScenario);
} else if (values['rss-only']) {
  const peakRssMb = await measurePeakRss(Number(values['rss-resources']), log);
  console.log(JSON.stringify({ peakRssMb }));
  process.exit(0);
} else {
  await runAll();
}

async function runAll(): Promise<void> {
  const network = await measureNetwork(log);
  const store = await measureStore(100_000);
  const storeResourcesPerSec = store.wall;
  log(
    `store alone: ${store.wall.toFixed(0)} resources/s wall clock, ${store.cpu.toFixed(0)} per CPU-second (SQLite, 50 per page, one transaction per page)`,
  );
  const child = spawnSync(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), '--rss-only'],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, CHARTBRIDGE_LOG_LEVEL: 'silent' },
    },
  );
  const rssLine = child.stdout.trim().split('\n').pop() ?? '{}';
  const peakRssMb200k = (JSON.parse(rssLine) as { peakRssMb?: number }).peakRssMb ?? NaN;

  const round = (n: number, digits = 0) => Number(n.toFixed(digits));
  console.log(
    JSON.stringify({
      chartbridgeMs: round(network.chartbridgeMs),
      fhirclientMs: round(network.fhirclientMs),
      lowerBoundMs: round(network.lowerBoundMs),
      speedup: round(network.fhirclientMs / network.chartbridgeMs, 2),
      boundRatio: round(network.chartbridgeMs / network.lowerBoundMs, 2),
      peakConcurrency: network.peakConcurrency,
      storeResourcesPerSec: round(storeResourcesPerSec),
      peakRssMb200k: round(peakRssMb200k, 1),
    }),
  );
}
