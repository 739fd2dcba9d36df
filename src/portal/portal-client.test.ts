import { it } from 'node:test';
import assert from 'node:assert/strict';
import { isChartbridgeError } from '../errors.ts';
import { createPortalClient } from './portal-client.ts';

const session = { cookie: 'a=b', verificationToken: 't' };

it('retries listing on network errors and 503, then explains what to check', async () => {
  let calls = 0;
  const waits: number[] = [];
  const client = createPortalClient({
    portalUrl: 'https://portal.invalid/',
    session,
    fetch: async () => {
      calls++;
      throw new TypeError('fetch failed');
    },
    sleep: async (ms) => void waits.push(ms),
  });
  await assert.rejects(
    client.loadAllDownloads('1'),
    (error) =>
      isChartbridgeError(error, 'ERR_PORTAL_RESPONSE') &&
      error.message ===
        'cannot reach the developer portal: check --portal-url and the network, then run again',
  );
  assert.equal(calls, 5);
  assert.deepEqual(waits, [500, 1000, 2000, 4000]);

  const answers = [new Response('busy', { status: 503, headers: { 'retry-after': '3' } })];
  const recovering = createPortalClient({
    portalUrl: 'https://portal.invalid',
    session,
    fetch: async (url, init) => {
      assert.equal(String(url), 'https://portal.invalid/Developer/LoadDownloads');
      assert.equal(String(init?.body), 'appId=1&PageSize=2&page=0');
      return (
        answers.shift() ??
        Response.json({ Success: true, Data: { Downloads: [{ Id: '7_1', OrgName: 'X', Approved: 3 }] } })
      );
    },
    sleep: async (ms) => void waits.push(ms),
  });
  assert.deepEqual(await recovering.loadAllDownloads('1', 2), [
    { orgId: '7', orgName: 'X', approved: 3, ecmId: null },
  ]);
  assert.equal(waits.at(-1), 3000);
});

it('turns an approval network error into a retry and a 200 sign-in page into the session message', async () => {
  const failing = createPortalClient({
    portalUrl: 'https://p.invalid',
    session,
    fetch: async () => Promise.reject(new TypeError('fetch failed')),
  });
  assert.deepEqual(await failing.approveDownload('1', '7', 'nonprod'), {
    kind: 'retry',
    reason: 'network error: fetch failed',
    retryAfterMs: null,
  });
  const signIn = createPortalClient({
    portalUrl: 'https://p.invalid',
    session,
    fetch: async () =>
      new Response('<form id="loginForm">Sign In</form>', { headers: { 'content-type': 'text/html' } }),
  });
  await assert.rejects(signIn.approveDownload('1', '7', 'prod'), (error) =>
    isChartbridgeError(error, 'ERR_PORTAL_SESSION'),
  );
});
