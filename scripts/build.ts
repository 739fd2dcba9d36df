/**
 * `npm run build`: compiles src/ to dist/ with tsc (tsconfig.build.json: `.ts` imports rewritten to `.js`, tests
 * and test helpers left out), copies the static files the code reads beside itself at run time, and bundles the
 * portal console scripts. Everything the product runs is then in dist/ (bin/chartbridge.js starts it); fixtures/
 * stays at the top, found from dist/ as from src/ (one folder down either way).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { bundleConsoleEntry, consoleEntries } from '../src/portal/console-bundle.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
const dist = `${root}dist/`;

rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const compiled = spawnSync(process.execPath, [tsc, '-p', `${root}tsconfig.build.json`], { stdio: 'inherit' });
if (compiled.status !== 0) {
  process.stderr.write('build: tsc failed (errors above)\n');
  process.exit(1);
}

// Read at run time relative to the reading module: http/routes/patient-connect-routes.ts → ../../web/assets/.
cpSync(`${root}src/web/assets`, `${dist}web/assets`, { recursive: true });

mkdirSync(`${dist}portal/console`, { recursive: true });
for (const entry of consoleEntries) {
  writeFileSync(`${dist}portal/console/${entry}.js`, await bundleConsoleEntry(entry));
}
process.stderr.write(`build: ${dist} ready\n`);
