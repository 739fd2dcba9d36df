import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ESLint } from 'eslint';

/** The layer rules of eslint.config.js (docs/architecture.md, Layers), run on code placed at a given path. */
const eslint = new ESLint({ cwd: new URL('..', import.meta.url).pathname });

async function problems(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\nexport {};\n`, { filePath });
  return result!.messages
    .filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-syntax')
    .map((m) => m.message.replace(/^.* import is restricted from being used(?: by a pattern)?\. /, ''));
}

describe('layers held by eslint.config.js', () => {
  it('refuses an import that points up a layer, and names the layers', async () => {
    assert.deepEqual(
      await problems('src/http/routes/probe.ts', "import { runDoctor } from '../../cli/doctor-command.ts';"),
      ['http may not import cli: arrows point down only (docs/architecture.md, Layers)'],
    );
    assert.deepEqual(await problems('src/crypto/probe.ts', "import { v } from '../vault/token-sealer.ts';"), [
      'crypto may not import vault: arrows point down only (docs/architecture.md, Layers)',
    ]);
    assert.deepEqual(await problems('src/store/probe.ts', "import type { S } from '../services.ts';"), [
      'store may not import services.ts: arrows point down only (docs/architecture.md, Layers)',
    ]);
  });

  it('allows imports down a layer, inside a layer and the composition root building the job queue', async () => {
    assert.deepEqual(
      await problems('src/http/routes/probe.ts', "import { d } from '../../doctor/doctor-checks.ts';"),
      [],
    );
    assert.deepEqual(
      await problems('src/vault/probe.ts', "import { s } from '../smart/smart-client.ts';"),
      [],
    );
    assert.deepEqual(await problems('src/services.ts', "import { j } from './jobs/job-sender.ts';"), []);
  });

  it('keeps pages off routes and jobs, routes off jobs, and the protocol off the database', async () => {
    assert.equal(
      (await problems('src/web/operator/probe.tsx', "import { r } from '../../http/app.ts';")).length,
      1,
    );
    assert.equal(
      (await problems('src/http/probe.ts', "import { w } from '../jobs/start-worker.ts';")).length,
      1,
    );
    assert.equal(
      (await problems('src/smart/probe.ts', "import { s } from '../store/database.ts';")).length,
      1,
    );
  });

  it('checks import() as well as import declarations', async () => {
    assert.deepEqual(
      await problems('src/crypto/probe.ts', "export const m = () => import('../http/app.ts');"),
      ['crypto may not import http: arrows point down only (docs/architecture.md, Layers)'],
    );
  });

  it('lets only the sandbox and demo commands load the sandbox, which itself uses only base utilities', async () => {
    const load = "export const m = () => import('../sandbox/sandbox.ts');";
    assert.deepEqual(await problems('src/cli/connections-command.ts', load), [
      'only the sandbox and demo commands and tests load the sandbox',
    ]);
    assert.deepEqual(await problems('src/cli/demo-command.ts', load), []);
    assert.deepEqual(
      await problems('src/sandbox/portal/probe.ts', "import { p } from '../portal/api-catalog.ts';"),
      [],
    );
    assert.deepEqual(
      await problems('src/sandbox/portal/probe.ts', "import { s } from '../../crypto/sealer.ts';"),
      ['the sandbox may import only clock.ts, errors.ts, log of the product'],
    );
    assert.deepEqual(await problems('src/sandbox/probe.ts', "import { l } from '../log/logger.ts';"), []);
  });

  it('keeps test helpers out of the product and lets tests use them', async () => {
    const helper = "import { waitFor } from '../testing/wait-for.ts';";
    assert.deepEqual(await problems('src/jobs/probe.ts', helper), [
      'src/testing/ holds test helpers: only tests import them',
    ]);
    assert.deepEqual(await problems('src/jobs/probe.test.ts', helper), []);
  });

  it('writes SQL only in store/: no query-builder call or kysely value elsewhere; a Kysely type passes', async () => {
    const sqlMessage = 'SQL lives in src/store/ only: add a repository function there';
    assert.deepEqual(
      await problems(
        'src/http/routes/probe.ts',
        "export const q = (db: any) => db.selectFrom('users').execute();",
      ),
      [sqlMessage],
    );
    assert.deepEqual(await problems('src/vault/probe.ts', "import { sql } from 'kysely';"), [sqlMessage]);
    assert.deepEqual(await problems('src/vault/probe.ts', "import type { Kysely } from 'kysely';"), []);
    assert.deepEqual(
      await problems(
        'src/store/probe.ts',
        "import { sql } from 'kysely';\nexport const q = (db: any) => db.selectFrom('users');",
      ),
      [],
    );
  });
});
