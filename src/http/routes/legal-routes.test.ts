import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../config/config.ts';
import { ChartbridgeError } from '../../errors.ts';
import { createLegalRoutes } from './legal-routes.ts';

describe('/terms and /privacy', () => {
  const dir = mkdtempSync(join(tmpdir(), 'chartbridge-legal-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const publicUrl = 'https://records.example.org';
  const none = { termsFile: undefined, privacyFile: undefined, operatorName: undefined };

  it('serves defaults that say who operates the app, named after the public url when no name is set', async () => {
    const routes = createLegalRoutes({ legal: none, publicUrl, revokedDataDays: 30 });
    for (const [path, title] of [
      ['/terms', 'Terms of use'],
      ['/privacy', 'Privacy'],
    ] as const) {
      const response = await routes.request(path);
      assert.equal(response.status, 200);
      const html = await response.text();
      assert.match(html, /^<!DOCTYPE html>/);
      assert.ok(html.includes(`<h1>${title}</h1>`), path);
      assert.ok(html.includes('This service is operated by records.example.org.'), path);
      assert.ok(html.includes('records.example.org runs this service (https://records.example.org)'), path);
    }
    const privacy = await (await routes.request('/privacy')).text();
    assert.ok(privacy.includes('<h2>How to remove it</h2>'));
    assert.ok(
      privacy.includes('<li>After you disconnect, the copy is deleted automatically after 30 days.</li>'),
    );
  });

  it('says what CHARTBRIDGE_REVOKED_DATA_DAYS does: one day, or kept until deleted when it is 0', async () => {
    const privacyWith = async (revokedDataDays: number) =>
      (await createLegalRoutes({ legal: none, publicUrl, revokedDataDays }).request('/privacy')).text();
    const oneDay = await privacyWith(1);
    assert.ok(
      oneDay.includes('<li>After you disconnect, the copy is deleted automatically after 1 day.</li>'),
    );
    const kept = await privacyWith(0);
    assert.ok(kept.includes('<li>After you disconnect, the copy is kept until you delete it.</li>'));
    assert.ok(!kept.includes('automatically'));
  });

  it("renders the operator's file as escaped text: headings, lists and paragraphs, no markup", async () => {
    const terms = join(dir, 'terms.md');
    writeFileSync(
      terms,
      '# Our terms\r\n\r\n## Use\n- one\r\n- two <b>bold</b>\n\nA paragraph with <script>alert(1)</script>\nand a second line.',
    );
    const routes = createLegalRoutes({
      legal: { ...none, termsFile: terms, operatorName: 'Northwind Health Ltd' },
      publicUrl,
      revokedDataDays: 30,
    });
    const html = await (await routes.request('/terms')).text();
    assert.ok(html.includes('This service is operated by Northwind Health Ltd.'));
    assert.ok(html.includes('<h2>Our terms</h2><h3>Use</h3><ul><li>one</li>'));
    assert.ok(html.includes('<ul><li>one</li><li>two &lt;b&gt;bold&lt;/b&gt;</li></ul>'));
    assert.ok(
      html.includes(
        '<p class="legal-text">A paragraph with &lt;script&gt;alert(1)&lt;/script&gt;\nand a second line.</p>',
      ),
    );
    assert.ok(!html.includes('<script>'));
    const privacy = await (await routes.request('/privacy')).text();
    assert.ok(privacy.includes('Northwind Health Ltd runs this service'), 'the other page keeps its default');
  });

  it('stops at start with one line naming the variable when the file cannot be read', () => {
    const missing = join(dir, 'nope.txt');
    assert.throws(
      () => createLegalRoutes({ legal: { ...none, privacyFile: missing }, publicUrl, revokedDataDays: 30 }),
      (error: unknown) =>
        error instanceof ChartbridgeError &&
        error.message ===
          `invalid CHARTBRIDGE_PRIVACY_FILE: cannot read '${missing}' (ENOENT); point it at a text file or unset it`,
    );
    assert.throws(
      () => createLegalRoutes({ legal: { ...none, termsFile: dir }, publicUrl, revokedDataDays: 30 }),
      /^ChartbridgeError: invalid CHARTBRIDGE_TERMS_FILE: cannot read '.*' \(EISDIR\); point it at a text file or unset it$/,
    );
  });

  it('reads the variables from the environment', () => {
    const config = loadConfig({
      CHARTBRIDGE_TERMS_FILE: '/etc/terms.txt',
      CHARTBRIDGE_PRIVACY_FILE: '/etc/privacy.md',
      CHARTBRIDGE_OPERATOR_NAME: '  Northwind Health Ltd ',
    });
    assert.deepEqual(config.legal, {
      termsFile: '/etc/terms.txt',
      privacyFile: '/etc/privacy.md',
      operatorName: 'Northwind Health Ltd',
    });
    assert.throws(
      () => loadConfig({ CHARTBRIDGE_TERMS_FILE: '' }),
      /invalid CHARTBRIDGE_TERMS_FILE: too small/,
    );
  });
});
