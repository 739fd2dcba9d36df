import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runCli, type CliResult } from './run-cli.ts';

const srcDir = pathToFileURL(fileURLToPath(new URL('../', import.meta.url))).href;

/** TypeScript loaders the sources run through (tests only; the built CLI has none). */
const LOADER_PACKAGES = new Set(['tsx', 'esbuild']);

/**
 * Runs `chartbridge` from the sources with a module hook that records every module the process imports, and
 * returns the project's own among them as paths under src/ ("cli/main.ts"), sorted, and the npm packages it
 * imported ("kysely", "@scope/name"), sorted, tsx's loader left out. Used to prove which code a command loads
 * (the sandbox only for `sandbox` and `demo`, nothing but the command list for `--help`, no OAuth or JOSE
 * library for `connections list`). A package's own CommonJS `require`s are not seen; its entry is.
 */
export async function runCliListingModules(
  args: string[],
  options: { env?: Record<string, string | undefined>; cwd?: string } = {},
): Promise<CliResult & { sources: string[]; packages: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'chartbridge-modules-'));
  const logFile = join(dir, 'modules.log');
  try {
    writeFileSync(logFile, '');
    // A resolve hook sees every import, whichever loader (tsx) then loads it.
    writeFileSync(
      join(dir, 'hooks.mjs'),
      `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  appendFileSync(${JSON.stringify(logFile)}, result.url + '\\n');
  return result;
}\n`,
    );
    writeFileSync(
      join(dir, 'register.mjs'),
      `import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n`,
    );
    const nodeOptions = `--import ${pathToFileURL(join(dir, 'register.mjs')).href}`;
    const result = await runCli(args, { ...options, env: { ...options.env, NODE_OPTIONS: nodeOptions } });
    const urls = readFileSync(logFile, 'utf8').split('\n');
    const sources = urls.filter((url) => url.startsWith(srcDir)).map((url) => url.slice(srcDir.length));
    const packages = urls
      .map((url) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1])
      .filter((name): name is string => name !== undefined && !LOADER_PACKAGES.has(name));
    return { ...result, sources: [...new Set(sources)].sort(), packages: [...new Set(packages)].sort() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
