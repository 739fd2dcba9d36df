import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseJsonCapped } from './json-limits.ts';

const limits = { maxDepth: 64, maxStringLength: 1 << 20, maxEntries: 3 };
const page = (entries: number, extra = '') =>
  Buffer.from(
    `{"resourceType":"Bundle","type":"searchset"${extra},"entry":[${Array.from(
      { length: entries },
      (_, i) => `{"resource":{"resourceType":"Observation","id":"o${i}","code":{"coding":[{"code":"x"}]}}}`,
    ).join(',')}],"link":[{"relation":"self","url":"x"}]}`,
  );

describe('entry cap (issue 14)', () => {
  it('parses a page at the cap, counting only the top-level entry array', () => {
    const nested = ',"meta":{"entry":[{},{},{},{},{}]},"other":[{},{},{},{},{}]';
    const parsed = parseJsonCapped(page(3, nested), limits, 'page 1') as { entry: unknown[] };
    assert.equal(parsed.entry.length, 3);
  });

  it('refuses a page over the cap before parsing it', () => {
    assert.throws(() => parseJsonCapped(page(4), limits, 'the Observation search'), {
      code: 'ERR_SIZE_LIMIT',
      message: 'the Observation search has more than 3 entries (the cap for one page); it was skipped',
    });
  });

  it('stops scanning at the cap: what lies after the cap is never looked at', () => {
    // 2,001 entries, then 40 MB and nesting far deeper than the depth cap: a scan that went on would report the
    // nesting; one that stops at the entry cap never reaches it.
    const huge = Buffer.concat([
      Buffer.from('{"resourceType":"Bundle","entry":['),
      Buffer.alloc(2001 * 3, '{},'),
      Buffer.alloc(40 * 1024 * 1024, '[[[['),
    ]);
    assert.throws(() => parseJsonCapped(huge, { ...limits, maxEntries: 2000 }, 'page'), {
      code: 'ERR_SIZE_LIMIT',
      message: 'page has more than 2000 entries (the cap for one page); it was skipped',
    });
  });

  it('applies no entry cap when none is set', () => {
    const parsed = parseJsonCapped(page(5), { maxDepth: 64, maxStringLength: 1 << 20 }, 'p') as {
      entry: unknown[];
    };
    assert.equal(parsed.entry.length, 5);
  });
});
