import { readdirSync } from 'node:fs';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The layers of docs/architecture.md, top to bottom: src/'s top-level folders and files. A module may import its
 * own layer and the layers below it, never one above.
 */
const layers = [
  ['cli'], // the entry point: starts the HTTP server and the worker
  ['http', 'web', 'jobs'], // drivers (web/ holds the pages http/ renders)
  ['services.ts'], // the composition root
  ['connect', 'sync', 'doctor', 'audit'], // flows
  ['smart', 'vault', 'fhir', 'directory', 'portal'], // services
  ['store', 'keys', 'crypto', 'config', 'log', 'metrics', 'clock.ts', 'errors.ts'], // base
];
/** Arrows inside a layer that are forbidden as well. */
const alsoForbidden = {
  http: ['jobs'], // routes queue work through services.jobs
  jobs: ['http', 'web'],
  web: ['http', 'jobs'], // routes render pages, never the other way round
  smart: ['store'], // the protocol is stateless: it never touches the database
};
/** The one arrow allowed upwards: the composition root builds the job queue client (jobs/job-sender.ts). */
const alsoAllowed = { 'services.ts': ['jobs'] };
/** The sandbox is a fake EHR, independent of the product: it may use these and nothing else of ours. */
const sandboxMayImport = ['clock.ts', 'errors.ts', 'log'];
/** The product modules that may load the sandbox (tests and src/testing/ may too). */
const sandboxImporters = [
  'src/cli/sandbox-command.ts',
  'src/cli/demo-command.ts',
  'src/cli/demo-setup.ts',
  'src/cli/directory-generate-command.ts',
];
/** Database drivers and query builders: only src/store/ writes SQL (a Kysely type may be passed through). */
const sqlMessage = 'SQL lives in src/store/ only: add a repository function there';
const sqlImports = ['kysely', 'better-sqlite3', 'pg'].map((name) => ({
  name,
  allowTypeImports: true,
  message: sqlMessage,
}));
const queryBuilderCalls = 'selectFrom|selectNoFrom|insertInto|replaceInto|updateTable|deleteFrom|mergeInto';
const tests = ['**/*.test.ts', '**/*.test.tsx'];

const entries = [...layers.flat(), 'sandbox', 'testing'];
const src = `${import.meta.dirname}/src`;
const unplaced = readdirSync(src).filter((entry) => !entries.includes(entry));
if (unplaced.length > 0) {
  throw new Error(
    `eslint.config.js: put src/${unplaced.join(', src/')} in a layer (docs/architecture.md, Layers)`,
  );
}
/** How many folders deep the deepest module under src/ sits (src/http/routes/x.ts: 2). */
const maxDepth = Math.max(
  ...readdirSync(src, { recursive: true }).map((path) => String(path).split('/').length - 1),
);
const levelOf = (entry) => layers.findIndex((layer) => layer.includes(entry));

/** Entries `from` may not import, each with why. */
function forbiddenFor(from, { sandbox = false } = {}) {
  if (from === 'sandbox') {
    return entries
      .filter((to) => to !== 'sandbox' && !sandboxMayImport.includes(to))
      .map((to) => [to, `the sandbox may import only ${sandboxMayImport.join(', ')} of the product`]);
  }
  const above = layers
    .slice(0, levelOf(from))
    .flat()
    .filter((to) => !(alsoAllowed[from] ?? []).includes(to));
  const layered = [...above, ...(alsoForbidden[from] ?? [])].map((to) => [
    to,
    `${from} may not import ${to}: arrows point down only (docs/architecture.md, Layers)`,
  ]);
  layered.push(['testing', 'src/testing/ holds test helpers: only tests import them']);
  if (!sandbox) layered.push(['sandbox', 'only the sandbox and demo commands and tests load the sandbox']);
  return layered;
}

/**
 * `no-restricted-imports` matches the import specifier as written, so a module `depth` folders below src/ names
 * another top-level entry as `../` × depth + entry: the patterns are anchored to exactly that. It does not look at
 * `import()`, so `no-restricted-syntax` checks those (the CLI loads its commands lazily), and the query builder's
 * calls outside src/store/.
 */
function layerRules(from, depth, options) {
  const up = depth === 0 ? './' : '../'.repeat(depth);
  const forbidden = forbiddenFor(from, options);
  const patterns = forbidden.map(([to, message]) => ({
    group: [to.endsWith('.ts') ? `${up}${to}` : `${up}${to}/**`],
    message,
  }));
  // esquery's regex literals cannot hold a '/': it is written \x2F.
  const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replaceAll('/', '\\x2F');
  const dynamic = forbidden.map(([to, message]) => ({
    selector: `ImportExpression > Literal.source[value=/^${escape(up + to)}${to.endsWith('.ts') ? '$' : '\\x2F'}/]`,
    message,
  }));
  const sql = {
    selector: `CallExpression > MemberExpression.callee > Identifier.property[name=/^(${queryBuilderCalls})$/]`,
    message: sqlMessage,
  };
  const inStore = from === 'store';
  return {
    'no-restricted-imports': ['error', { paths: inStore ? [] : sqlImports, patterns }],
    'no-restricted-syntax': ['error', ...dynamic, ...(inStore ? [] : [sql])],
  };
}

function filesAt(entry, depth) {
  if (entry.endsWith('.ts')) return [`src/${entry}`];
  const folders = '*/'.repeat(depth - 1);
  return [`src/${entry}/${folders}*.ts`, `src/${entry}/${folders}*.tsx`];
}

/**
 * One block per top-level entry and depth. A later block replaces an earlier one's options for the same rule,
 * so every block carries the whole list for its files.
 */
const layerBlocks = [...layers.flat(), 'sandbox'].flatMap((entry) =>
  (entry.endsWith('.ts') ? [0] : Array.from({ length: maxDepth }, (_, i) => i + 1)).map((depth) => ({
    files: filesAt(entry, depth),
    ignores: tests,
    rules: layerRules(entry, depth),
  })),
);

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'data/**', 'test-results/**', 'bench-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'max-lines': ['error', { max: 300, skipBlankLines: true, skipComments: true }],
      'no-console': 'off',
    },
  },
  ...layerBlocks,
  {
    files: sandboxImporters,
    rules: layerRules('cli', 1, { sandbox: true }),
  },
);
