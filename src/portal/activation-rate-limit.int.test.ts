import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPortalDouble } from '../sandbox/portal/start-portal-double.ts';
import { openActivationJournal } from './activation-journal.ts';
import { planActivation } from './activation-plan.ts';
import { runActivation } from './activation-runner.ts';
import { createPortalClient } from './portal-client.ts';

it('backs off on 429 from a rate-limited portal and still activates every organisation once', async () => {
  const portal = await startPortalDouble({
    appId: '31',
    orgCount: 30,
    rateLimit: { limit: 8, windowMs: 400, retryAfterSeconds: 0 },
    latencyMs: 5,
  });
  const dir = mkdtempSync(join(tmpdir(), 'chartbridge-rate-'));
  const journal = openActivationJournal(join(dir, 'journal.jsonl'), '31');
  try {
    const session = portal.state.createSession();
    const client = createPortalClient({
      portalUrl: portal.url,
      session: {
        cookie: `${portal.state.sessionCookieName}=${session.id}`,
        verificationToken: session.verificationToken,
      },
    });
    const plan = planActivation(await client.loadAllDownloads('31', 100), { mode: 'jwks-url' });
    const result = await runActivation({ client, journal, appId: '31', plan, pacingMs: 0 });
    const stats = portal.state.stats();
    assert.ok(stats.rateLimited > 0, 'the portal rate-limited some calls');
    assert.equal(result.retries, stats.rateLimited);
    assert.deepEqual(
      [result.activated.length, result.failures.length, stats.activated, stats.duplicateCalls],
      [30, 0, 30, 0],
    );
    assert.equal(stats.approveCalls, 60);
  } finally {
    journal.close();
    rmSync(dir, { recursive: true, force: true });
    await portal.close();
  }
});
