import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { systemClock } from '../../src/clock.ts';
import { createDirectorySearch } from '../../src/directory/directory-search.ts';
import { importDirectory } from '../../src/directory/import-directory.ts';
import { createSilentLogger } from '../../src/log/logger.ts';
import { createRandom } from '../../src/sandbox/brands/generate-brands-bundle.ts';
import { CITIES } from '../../src/sandbox/brands/synthetic-names.ts';
import { openStore } from '../../src/store/database.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';

/** The measured half of bench/directory.ts, in its own process: import, then searches. Prints lines, then JSON. */
export async function runDirectoryBenchChild(dir: string, searches: number): Promise<void> {
  const store = openStore(`sqlite:${join(dir, 'chartbridge.db')}`);
  await migrateToLatest(store);
  const deps = { db: store.db, clock: systemClock, log: createSilentLogger() };
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const report = await importDirectory(deps, {
    location: 'bench',
    chunks: createReadStream(join(dir, 'brands.json')),
  });
  const importMs = Math.round(performance.now() - started);
  const cpu = process.cpuUsage(cpuBefore);
  const importPeakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  console.log(
    `import: ${importMs} ms wall, ${Math.round((cpu.user + cpu.system) / 1000)} ms cpu, peak RSS ${importPeakRssMb} MB; ` +
      `${report.counts.organizations} organisations, ${report.counts.endpoints} endpoints`,
  );

  const search = createDirectorySearch({ ...deps, freshnessMs: 60_000 });
  const loadStarted = performance.now();
  await search.search('warm up', { limit: 10 });
  console.log(`search index load: ${Math.round(performance.now() - loadStarted)} ms`);
  const queries = await buildQueries(store.db, searches);
  const timings: number[] = [];
  let empty = 0;
  for (const query of queries) {
    const t = performance.now();
    const results = await search.search(query, { limit: 10 });
    timings.push(performance.now() - t);
    if (results.length === 0) empty++;
  }
  timings.sort((a, b) => a - b);
  const pct = (p: number) =>
    Math.round(timings[Math.min(timings.length - 1, Math.floor(timings.length * p))]! * 100) / 100;
  console.log(
    `searches: ${timings.length} (${empty} without results), p50 ${pct(0.5)} ms, p95 ${pct(0.95)} ms, max ${pct(1)} ms`,
  );
  await store.close();
  console.log(JSON.stringify({ importMs, importPeakRssMb, searchP50Ms: pct(0.5), searchP95Ms: pct(0.95) }));
}

/** What patients type: whole names, first words, prefixes, a typo, a city, brand plus state. */
async function buildQueries(
  db: Parameters<typeof createDirectorySearch>[0]['db'],
  count: number,
): Promise<string[]> {
  const names = (await db.selectFrom('organizations').select('name').orderBy('id').execute()).map(
    (r) => r.name,
  );
  const random = createRandom(7);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const words = (name: string) => name.split(/[\s–-]+/).filter(Boolean);
  const typo = (word: string) => {
    if (word.length < 5) return word;
    const i = 1 + Math.floor(random() * (word.length - 2));
    return word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2);
  };
  const makers = [
    () => pick(names),
    () => words(pick(names)).slice(0, 2).join(' '),
    () => pick(names).slice(0, 3 + Math.floor(random() * 6)),
    () => words(pick(names)).slice(0, 2).map(typo).join(' '),
    () => pick(CITIES)[0],
    () => `${words(pick(names))[0]} ${pick(CITIES)[1].toLowerCase()}`,
    () => pick(['kaiser georgia', 'childrens colorado', 'geisenger', 'mayo clinic', 'uw medicine']),
  ];
  return Array.from({ length: count }, () => pick(makers)());
}
