import { fileURLToPath } from 'node:url';

/** The browser entries under src/portal/browser/ that become console scripts. */
export const consoleEntries = ['activation-console', 'scopes-console'] as const;
export type ConsoleEntry = (typeof consoleEntries)[number];

const browserDir = fileURLToPath(new URL('./browser/', import.meta.url));

/**
 * esbuild bundles a browser entry together with the planning logic the CLI uses (activation-plan.ts,
 * scope-selection.ts) into one self-contained IIFE exposing `__chartbridge`. `npm run build` writes the result to
 * dist/portal/console/; running from the sources (tests, development) bundles on demand. esbuild is a dev
 * dependency, hence the import on use.
 */
export async function bundleConsoleEntry(entry: ConsoleEntry): Promise<string> {
  const { build } = await import('esbuild');
  const output = await build({
    entryPoints: [`${browserDir}${entry}.ts`],
    bundle: true,
    write: false,
    format: 'iife',
    globalName: '__chartbridge',
    platform: 'browser',
    target: 'es2020',
    legalComments: 'none',
    logLevel: 'silent',
  });
  return output.outputFiles[0]!.text;
}
