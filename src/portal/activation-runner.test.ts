import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openActivationJournal } from './activation-journal.ts';
import { planActivation } from './activation-plan.ts';
import { runActivation } from './activation-runner.ts';
import type { ApproveOutcome, PortalClient } from './portal-client.ts';

it('paces calls, backs off on 429 honouring Retry-After, skips journaled steps and stops an org at a rejection', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'chartbridge-runner-'));
  const journal = openActivationJournal(join(dir, 'j.jsonl'), '9');
  journal.recordResult('1', 'nonprod', { ok: true }, 0); // done by an earlier, killed run
  let clock = 0;
  const sleeps: number[] = [];
  const calls: string[] = [];
  const answers: Record<string, ApproveOutcome[]> = {
    '2:nonprod': [{ kind: 'retry', reason: 'HTTP 429', retryAfterMs: 3000 }, { kind: 'ok' }],
    '3:nonprod': [{ kind: 'rejected', message: 'Failed to register client for download.' }],
  };
  const client: PortalClient = {
    loadDownloads: async () => [],
    loadAllDownloads: async () => [],
    async approveDownload(_app, orgId, step) {
      calls.push(`${orgId}:${step}@${clock}`);
      clock += 10; // each call takes 10 ms
      return answers[`${orgId}:${step}`]?.shift() ?? { kind: 'ok' };
    },
  };
  const plan = planActivation(
    ['1', '2', '3'].map((orgId) => ({ orgId, orgName: orgId, approved: 0, ecmId: null })),
    { mode: 'jwks-url' },
  );
  try {
    const result = await runActivation({
      client,
      journal,
      appId: '9',
      plan,
      pacingMs: 500,
      now: () => clock,
      sleep: async (ms) => {
        sleeps.push(ms);
        clock += ms;
      },
    });
    assert.deepEqual(calls, ['1:prod@0', '2:nonprod@500', '2:nonprod@3510', '2:prod@4010', '3:nonprod@4510']);
    assert.deepEqual(result.activated, ['1', '2']);
    assert.deepEqual(result.failures, [
      { orgId: '3', orgName: '3', step: 'nonprod', message: 'Failed to register client for download.' },
    ]);
    assert.deepEqual([result.calls, result.retries, result.skippedByJournal], [5, 1, 1]);
    assert.equal(sleeps[1], 3000);
  } finally {
    journal.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
