// npm's `prepare` (run by `npm install` and `npm ci`): builds dist/ when the build tools are installed. An
// `--omit=dev` install has no compiler; it keeps a dist/ built beforehand (docs/operations.md: build, then prune)
// and stops with one line when there is none.
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import process from 'node:process';
import { URL, fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const canBuild = ['typescript/package.json', 'tsx/package.json', 'esbuild/package.json'].every((name) => {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
});

// node-gyp leaves better-sqlite3's object files beside the addon it linked (15 MB of 28 MB, measured on this
// machine, which cannot fetch the prebuilt binary). Only build/Release/better_sqlite3.node is loaded; `npm
// rebuild` recreates the rest from deps/. Dropping them keeps a full install under 150 MB (docs/operations.md).
for (const folder of ['obj', 'obj.target']) {
  rmSync(new URL(`../node_modules/better-sqlite3/build/Release/${folder}`, import.meta.url), {
    recursive: true,
    force: true,
  });
}

if (canBuild) {
  const build = fileURLToPath(new URL('./build.ts', import.meta.url));
  const built = spawnSync(process.execPath, ['--import', 'tsx', build], { stdio: 'inherit' });
  process.exit(built.status ?? 1);
} else if (existsSync(new URL('../dist/cli/main.js', import.meta.url))) {
  process.stderr.write('prepare: no build tools (an --omit=dev install): using the dist/ already built\n');
} else {
  process.stderr.write(
    'prepare: dist/ is missing and the build tools are not installed — run `npm ci` (which builds), then ' +
      '`npm prune --omit=dev` (docs/operations.md)\n',
  );
  process.exit(1);
}
