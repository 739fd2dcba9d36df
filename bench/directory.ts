/**
 * `npm run bench:directory [-- --organizations N --endpoints N --searches N --seed N]`: generates the full-size
 * synthetic Brands bundle (~96,600 organisations, ~817 endpoints, ~95 MB) into a temp folder, imports it into a
 * fresh SQLite database in a child process (so peak RSS is the import's own), then runs searches the way patients
 * type (names, prefixes, typos, cities) and reports p50/p95. Last line: one JSON object with the four figures.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeSyntheticBrandsBundle } from '../src/sandbox/brands/generate-brands-bundle.ts';
import { runDirectoryBenchChild } from './lib/directory-child.ts';

const { values } = parseArgs({
  options: {
    organizations: { type: 'string', default: '96600' },
    endpoints: { type: 'string', default: '817' },
    searches: { type: 'string', default: '10000' },
    seed: { type: 'string', default: '1' },
    child: { type: 'string' },
  },
});

if (values.child) {
  await runDirectoryBenchChild(values.child, Number(values.searches));
} else {
  const dir = mkdtempSync(join(tmpdir(), 'chartbridge-bench-directory-'));
  try {
    const file = join(dir, 'brands.json');
    const started = performance.now();
    const summary = await writeSyntheticBrandsBundle(file, {
      seed: Number(values.seed),
      organizations: Number(values.organizations),
      endpoints: Number(values.endpoints),
    });
    console.log(
      `generated ${summary.organizations} organisations (${summary.brands} brands, ${summary.facilities} facilities), ` +
        `${summary.endpoints} endpoints, ${(statSync(file).size / 1e6).toFixed(1)} MB in ` +
        `${Math.round(performance.now() - started)} ms`,
    );
    const self = fileURLToPath(import.meta.url);
    const output = execFileSync(
      process.execPath,
      ['--import', 'tsx', self, '--child', dir, '--searches', String(values.searches)],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 10_000_000 },
    );
    const lines = output.trim().split('\n');
    for (const line of lines.slice(0, -1)) console.log(line);
    const result = JSON.parse(lines.at(-1)!) as Record<string, number>;
    console.log(JSON.stringify(result));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
