import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_CLIENT_ID } from './demo-setup.ts';
import { startConnectedApp } from '../testing/connected-app.ts';
import { startDemoProcess } from '../testing/demo-process.ts';
import { runCli } from '../testing/run-cli.ts';
import { createBrowser } from '../testing/test-browser.ts';

/** The environment of a fresh shell: nothing chartbridge reads is set. */
const bareEnv = Object.fromEntries(
  Object.keys(process.env)
    .filter((name) => name.startsWith('CHARTBRIDGE_') && name !== 'CHARTBRIDGE_LOG_LEVEL')
    .map((name) => [name, undefined]),
);

test("next to a running demo, doctor passes on the demo's own data folder and proves client authentication; the operator page agrees", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'chartbridge-doctor-'));
  const demo = await startDemoProcess({ cwd: dir, env: bareEnv });
  try {
    const apiKey = readFileSync(join(dir, 'data/api-key'), 'utf8').trim();
    // "ready" means the directory answers: the sandbox hospitals are listed by the first search.
    const listed = await fetch(`${demo.url}/api/directory?q=`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    const names = ((await listed.json()) as { results: Array<{ name: string }> }).results.map((r) => r.name);
    assert.deepEqual(names.sort(), ['Lakeside Regional Medical Center', 'Northwind General Hospital']);

    const doctor = await runCli(['doctor'], { cwd: dir, env: bareEnv });
    assert.equal(doctor.code, 0, doctor.stdout + doctor.stderr);
    const lines = doctor.stdout.split('\n');
    const line = (prefix: string) => lines.find((l) => l.startsWith(prefix)) ?? `(no line ${prefix})`;
    assert.equal(
      line('OK    redirect uri:'),
      `OK    redirect uri: register ${demo.url}/callback (sent in every launch; CHARTBRIDGE_REDIRECT_PATH chooses /callback or /api/auth/smart/callback)`,
    );
    assert.equal(line('OK    jwks url:'), `OK    jwks url: register ${demo.url}/.well-known/jwks.json`);
    assert.equal(line('OK    api key:'), 'OK    api key: CHARTBRIDGE_API_KEY is set');
    assert.match(line('OK    encryption key:'), /usable 32-byte key$/);
    assert.match(line('OK    signing keys:'), /^OK {4}signing keys: active RS384 key \S+; 1 published$/);
    assert.match(line('OK    jwks:'), /serves 1 key\(s\)$/);
    for (const org of ['a', 'b']) {
      const token = `http://127.0.0.1:${demo.sandboxPort}/org-${org}/oauth2/token`;
      assert.equal(
        line(`OK    endpoint sandbox-org-${org} client id:`),
        `OK    endpoint sandbox-org-${org} client id: ${DEMO_CLIENT_ID}`,
      );
      assert.equal(
        line(`OK    endpoint sandbox-org-${org} client authentication:`),
        `OK    endpoint sandbox-org-${org} client authentication: ${token} accepted our signed client assertion for client id ${DEMO_CLIENT_ID} (invalid_grant for a deliberately invalid code)`,
      );
    }
    assert.match(doctor.stdout, /all checks passed\n$/);

    const operator = createBrowser();
    assert.equal((await operator.post(`${demo.url}/operator/login`, { apiKey })).status, 303);
    const page = await (await operator.get(`${demo.url}/operator/doctor`)).text();
    assert.equal(page.match(/accepted our signed client assertion/g)?.length, 2);
    assert.doesNotMatch(page, /class="badge fail"/);
    assert.match(page, new RegExp(`register ${demo.url}/callback`));
  } finally {
    await demo.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('doctor says invalid_client and why: our jwks not fetchable, or the key not picked up by the EHR', async () => {
  const app = await startConnectedApp({
    sandboxOptions: {
      autoApprove: true,
      clients: [
        {
          clientId: DEMO_CLIENT_ID,
          // The EHR was given a JWKS URL where nothing answers.
          jwksUrl: 'http://127.0.0.1:9/.well-known/jwks.json',
          redirectUris: ['http://127.0.0.1:9/callback'],
          grantedApis: [],
        },
      ],
    },
  });
  try {
    const token = `${app.sandbox.url}/org-a/oauth2/token`;
    const notPickedUp = await runCli(['doctor', 'sandbox-org-a'], { env: app.cliEnv });
    assert.equal(notPickedUp.code, 1);
    assert.match(
      notPickedUp.stdout,
      new RegExp(
        `^FAIL  endpoint sandbox-org-a client authentication: ${token} rejected our client assertion for client id ${DEMO_CLIENT_ID} \\(invalid_client\\): key not yet propagated: ${app.url}/\\.well-known/jwks\\.json serves key \\S+, but the EHR has not picked it up .* \\(the EHR says: the client jwk set url could not be fetched\\)$`,
        'm',
      ),
    );
    const unreachable = await runCli(['doctor', 'sandbox-org-a'], {
      env: { ...app.cliEnv, CHARTBRIDGE_PUBLIC_URL: 'http://127.0.0.1:9' },
    });
    assert.equal(unreachable.code, 1);
    assert.match(
      unreachable.stdout,
      /^FAIL {2}endpoint sandbox-org-a client authentication: .* \(invalid_client\): jwks not fetchable: http:\/\/127\.0\.0\.1:9\/\.well-known\/jwks\.json does not serve the active key; start 'chartbridge serve' there and make it reachable from the EHR/m,
    );
  } finally {
    await app.close();
  }
});

test('CHARTBRIDGE_REDIRECT_PATH chooses the redirect uri a launch sends, and doctor prints it; other paths are refused', async () => {
  const app = await startConnectedApp({ env: { CHARTBRIDGE_REDIRECT_PATH: '/api/auth/smart/callback' } });
  try {
    const { callbackUrl } = await app.beginLaunch('redirect-user');
    assert.ok(callbackUrl.startsWith(`${app.url}/api/auth/smart/callback?`), callbackUrl);
    assert.match(await app.connectPatient('redirect-user-2'), /^con_/);
    const doctor = await runCli(['doctor', 'sandbox-org-a'], { env: app.cliEnv });
    assert.match(
      doctor.stdout,
      new RegExp(`^OK {4}redirect uri: register ${app.url}/api/auth/smart/callback `, 'm'),
    );
    const bad = await runCli(['serve', '--port', '0'], {
      env: { ...app.cliEnv, CHARTBRIDGE_REDIRECT_PATH: '/oauth/callback' },
    });
    assert.equal(bad.code, 2);
    assert.equal(
      bad.stderr,
      'chartbridge: invalid CHARTBRIDGE_REDIRECT_PATH: must be /callback or /api/auth/smart/callback\n',
    );
  } finally {
    await app.close();
  }
});
