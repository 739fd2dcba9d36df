// npm's `prepare` (run by `npm install` and `npm ci`): builds dist/ when the build tools are installed. An
// `--omit=dev` install has no compiler; it keeps a dist/ built beforehand (docs/operations.md: build, then prune)
// and stops with one line when there is none.
import { existsSync } from 'node:fs';
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
