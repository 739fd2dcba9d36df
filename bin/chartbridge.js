#!/usr/bin/env node
// Runs the compiled JavaScript in dist/ (`npm run build`; `npm install` builds through `prepare`). Tests and
// development run the TypeScript sources instead through scripts/chartbridge-source.js.
import { existsSync } from 'node:fs';
import process from 'node:process';
import { URL } from 'node:url';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('chartbridge: dist/ is missing — build it with `npm run build` (or `npm install`)\n');
  process.exit(1);
}
await import(entry.href);
