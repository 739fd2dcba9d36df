import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCachedTokenSource } from './cached-token-source.ts';
import type { TokenSource } from './fhir-client.ts';

function fakeVault() {
  const calls: string[] = [];
  let version = 1;
  let failNext = false;
  const source: TokenSource = {
    async getAccessToken(id) {
      calls.push(`get ${id}`);
      if (failNext) {
        failNext = false;
        throw new Error('database unreachable');
      }
      return `token-${id}-${version}`;
    },
    async refreshAfterRejection(id, rejected) {
      calls.push(`refresh ${id} ${rejected}`);
      version += 1;
      return `token-${id}-${version}`;
    },
  };
  return { source, calls, failNextRead: () => (failNext = true) };
}

test('requests within a second share one vault read; after it, or after a rejection, the vault is asked again', async () => {
  const vault = fakeVault();
  let time = 0;
  const tokens = createCachedTokenSource(vault.source, () => time, 1000);
  const together = await Promise.all([1, 2, 3].map(() => tokens.getAccessToken('c1')));
  assert.deepEqual(together, ['token-c1-1', 'token-c1-1', 'token-c1-1']);
  time = 999;
  assert.equal(await tokens.getAccessToken('c1'), 'token-c1-1');
  assert.equal(await tokens.getAccessToken('c2'), 'token-c2-1');
  assert.deepEqual(vault.calls, ['get c1', 'get c2']);
  time = 1000;
  assert.equal(await tokens.getAccessToken('c1'), 'token-c1-1');
  assert.equal(vault.calls.length, 3);
  assert.equal(await tokens.refreshAfterRejection('c1', 'token-c1-1'), 'token-c1-2');
  assert.equal(await tokens.getAccessToken('c1'), 'token-c1-2');
  assert.deepEqual(vault.calls.slice(3), ['refresh c1 token-c1-1', 'get c1']);
});

test('a failed read is not kept: the next request asks the vault again', async () => {
  const vault = fakeVault();
  const tokens = createCachedTokenSource(vault.source, () => 0, 1000);
  vault.failNextRead();
  await assert.rejects(tokens.getAccessToken('c1'), /database unreachable/);
  assert.equal(await tokens.getAccessToken('c1'), 'token-c1-1');
  assert.deepEqual(vault.calls, ['get c1', 'get c1']);
});
