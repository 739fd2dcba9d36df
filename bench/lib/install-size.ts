import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

interface InstallSizes {
  full: number;
  prod: number;
}

/**
 * Megabytes of node_modules after a real `npm ci` (full) and `npm ci --omit=dev` in fresh copies of the working
 * tree (tracked and untracked files, not ignored ones). The `--omit=dev` copy gets the dist/ just built, as a
 * server install does (docs/operations.md). Results are kept in bench-results/install-size.json under a hash of
 * package.json and package-lock.json and reused while those are unchanged, unless `fresh`.
 */
export async function measureInstallSizes(
  root: string,
  options: { fresh: boolean; log(line: string): void },
): Promise<InstallSizes> {
  const key = createHash('sha256')
    .update(readFileSync(join(root, 'package.json')))
    .update(readFileSync(join(root, 'package-lock.json')))
    .digest('hex');
  const cacheFile = join(root, 'bench-results/install-size.json');
  const cached = existsSync(cacheFile)
    ? (JSON.parse(readFileSync(cacheFile, 'utf8')) as InstallSizes & { key: string; measuredAt: string })
    : undefined;
  if (!options.fresh && cached?.key === key) {
    options.log(
      `install sizes from ${cached.measuredAt} (package.json and package-lock.json unchanged since)`,
    );
    return { full: cached.full, prod: cached.prod };
  }
  // Side by side: each install compiles better-sqlite3, minutes on a busy machine.
  const [full, prod] = await Promise.all([
    installSize(root, [], options.log),
    installSize(root, ['--omit=dev'], options.log),
  ]);
  mkdirSync(dirname(cacheFile), { recursive: true });
  writeFileSync(cacheFile, JSON.stringify({ key, measuredAt: new Date().toISOString(), full, prod }) + '\n');
  return { full, prod };
}

async function installSize(root: string, flags: string[], log: (line: string) => void): Promise<number> {
  const copy = mkdtempSync(join(tmpdir(), 'chartbridge-install-'));
  try {
    const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: root,
      encoding: 'utf8',
    });
    for (const file of listed.stdout.split('\0').filter((f) => f && existsSync(join(root, f)))) {
      cpSync(join(root, file), join(copy, file));
    }
    if (flags.includes('--omit=dev')) cpSync(join(root, 'dist'), join(copy, 'dist'), { recursive: true });
    log(`npm ci ${flags.join(' ')} in ${copy}…`);
    const started = performance.now();
    const status = await new Promise<number | null>((resolve, reject) => {
      const child = spawn('npm', ['ci', '--no-audit', '--no-fund', ...flags], { cwd: copy, stdio: 'ignore' });
      child.on('error', reject);
      child.on('close', resolve);
    });
    if (status !== 0) throw new Error(`bench: npm ci ${flags.join(' ')} in ${copy} exited ${status}`);
    const du = spawnSync('du', ['-sm', 'node_modules'], { cwd: copy, encoding: 'utf8' });
    const megabytes = Number(du.stdout.split('\t')[0]);
    log(
      `npm ci ${flags.join(' ')}: ${megabytes} MB in ${((performance.now() - started) / 1000).toFixed(0)} s`,
    );
    return megabytes;
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}
