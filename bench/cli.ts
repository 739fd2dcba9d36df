/**
 * `npm run bench:cli [-- --runs 10] [-- --fresh-installs]`: how fast the built `chartbridge` starts and how big
 * its install is. Builds first (so it measures the sources as they are), then times `node -e 0`,
 * `chartbridge --help`, `--version` and `connections list` on an empty SQLite database, interleaved run by run so
 * a busy machine slows all four alike, and reports medians. Then the size of a fresh node_modules for a full and
 * an `--omit=dev` install (real `npm ci` in temp copies; cached in bench-results/ while package.json and
 * package-lock.json are unchanged, because compiling better-sqlite3 takes minutes). The last line is
 * `{"nodeMs","helpMs","versionMs","listMs","installMb","prodInstallMb"}`.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { rsaPem } from '../src/testing/test-keys.ts';
import { measureInstallSizes } from './lib/install-size.ts';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '10' }, 'fresh-installs': { type: 'boolean', default: false } },
});
const runs = Number(values.runs);
const root = fileURLToPath(new URL('../', import.meta.url));
const log = (line: string) => process.stderr.write(`${line}\n`);

log('building dist/ (npm run build)…');
run(['npm', 'run', '--silent', 'build']);

const dir = mkdtempSync(join(tmpdir(), 'chartbridge-bench-cli-'));
const env = {
  ...process.env,
  CHARTBRIDGE_DATABASE_URL: `sqlite:${join(dir, 'empty.db')}`,
  CHARTBRIDGE_PRIVATE_KEYS: rsaPem(),
  CHARTBRIDGE_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  CHARTBRIDGE_LOG_LEVEL: 'silent',
};
const bin = join(root, 'bin/chartbridge.js');
const commands = {
  nodeMs: [process.execPath, '-e', '0'],
  helpMs: [process.execPath, bin, '--help'],
  versionMs: [process.execPath, bin, '--version'],
  listMs: [process.execPath, bin, 'connections', 'list'],
} as const;
type Figure = keyof typeof commands;

try {
  // One run of each first, not counted: the database gets its (empty) schema, the disk cache gets the files.
  for (const argv of Object.values(commands)) run([...argv], { cwd: dir, env });
  const times: Record<Figure, number[]> = { nodeMs: [], helpMs: [], versionMs: [], listMs: [] };
  for (let i = 0; i < runs; i += 1) {
    for (const [figure, argv] of Object.entries(commands) as [Figure, readonly string[]][]) {
      const started = performance.now();
      run([...argv], { cwd: dir, env });
      times[figure].push(performance.now() - started);
    }
  }
  const medians = Object.fromEntries(
    Object.entries(times).map(([figure, list]) => [figure, Math.round(median(list))]),
  ) as Record<Figure, number>;
  for (const [figure, argv] of Object.entries(commands) as [Figure, readonly string[]][]) {
    const label = argv[1] === bin ? ['chartbridge', ...argv.slice(2)] : ['node', ...argv.slice(1)];
    log(`${label.join(' ').padEnd(30)} median ${medians[figure]} ms of ${runs}`);
  }
  const sizes = await measureInstallSizes(root, { fresh: values['fresh-installs'], log });
  console.log(JSON.stringify({ ...medians, installMb: sizes.full, prodInstallMb: sizes.prod }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}

function run(argv: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): void {
  const result = spawnSync(argv[0]!, argv.slice(1), {
    cwd: options.cwd ?? root,
    env: options.env,
    stdio: 'pipe',
  });
  if (result.status !== 0) {
    throw new Error(`bench: ${argv.join(' ')} exited ${result.status}: ${result.stderr.toString().trim()}`);
  }
}

function median(list: number[]): number {
  const sorted = [...list].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
