#!/usr/bin/env node
// `chartbridge` straight from the TypeScript sources through tsx (a dev dependency), no build needed: the tests
// spawn this, so they always run the code as it is now.
import { URL, fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

// The project's tsconfig (JSX runtime hono/jsx) must apply whatever the working directory is: `chartbridge demo`
// is started in empty folders too.
register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
await import('../src/cli/main.ts');
