import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRandomToken, hashSecret } from '../../connect/secrets.ts';
import type { DialectName } from '../../store/database.ts';
import { runSync } from '../../sync/run-sync.ts';
import { startConnectedApp, type ConnectedApp } from '../../testing/connected-app.ts';
import { testDialects } from '../../testing/databases.ts';
import type { TestBrowser } from '../../testing/test-browser.ts';

/** Issue 13 point 8: "Where is the rest of my record?" says, in plain words and counts, what did not arrive. */
for (const dialect of testDialects) describeCoveragePage(dialect);

function describeCoveragePage(dialect: DialectName): void {
  describe(`coverage page (${dialect})`, () => {
    let app: ConnectedApp;
    let owner: TestBrowser;
    const orgId = 'org-b';
    const username = 'vitofeeney';
    let labResults: number;

    before(async () => {
      app = await startConnectedApp({ dialect });
      const secret = createRandomToken();
      const connectionId = await app.connectPatient(`browser-${hashSecret(secret).slice(0, 24)}`, {
        orgId,
        username,
      });
      const patientId = app.sandbox.data
        .organization(orgId)!
        .patients.find((p) => p.username === username)!.id;
      const [doc] = app.sandbox.data.patientResources(orgId, patientId, 'DocumentReference');
      const binaryId = (doc!.content as Array<{ attachment: { url: string } }>)[0]!.attachment.url.slice(7);
      app.sandbox.faults.add({ org: orgId, route: 'Immunization', kind: 'status', status: 403 });
      app.sandbox.faults.add({ org: orgId, route: 'Goal', kind: 'malformed' });
      app.sandbox.faults.add({ org: orgId, route: `/Binary/${binaryId}$`, kind: 'status', status: 500 });
      const summary = await runSync({ services: app.services, connectionId, sleep: async () => {} });
      app.sandbox.faults.clear();
      assert.equal(summary.status, 'partial');
      labResults = app.sandbox.data
        .patientResources(orgId, patientId, 'Observation')
        .filter((o) => JSON.stringify(o.category).includes('"laboratory"')).length;
      owner = app.newBrowser();
      owner.cookies.set('cb_user', secret);
    });
    after(() => app?.close());

    it('lists what arrived and why the rest did not, linked from the record page', async () => {
      const record = await (await owner.get(`${app.url}/my/record`)).text();
      assert.ok(record.includes('<a href="/my/coverage">Where is the rest of my record?</a>'));
      const response = await owner.get(`${app.url}/my/coverage`);
      assert.equal(response.status, 200);
      const html = await response.text();
      assert.ok(html.includes('<h1>Where is the rest of my record?</h1>'));
      assert.ok(html.includes('<h2>Lakeside Regional Medical Center</h2>'), html.slice(html.indexOf('<h1>')));
      assert.ok(labResults > 0);
      assert.ok(html.includes(`<li>Lab results: ${labResults}</li>`));
      assert.ok(html.includes('<li>Immunizations: the hospital refused to share it</li>'));
      assert.ok(
        html.includes('<li>Goals: the hospital did not answer; we will try again at the next update</li>'),
      );
      assert.ok(html.includes('<h3>Attachments (0 received)</h3>'));
      assert.ok(
        html.includes(
          '<li>1 not received: the hospital&#39;s system failed to send them; we try again at later updates</li>',
        ),
      );
      assert.ok(html.includes('Nothing was dropped.'));
    });

    it('shows another browser nothing of this patient', async () => {
      const stranger = app.newBrowser();
      stranger.cookies.set('cb_user', createRandomToken());
      for (const browser of [stranger, app.newBrowser()]) {
        const html = await (await browser.get(`${app.url}/my/coverage`)).text();
        assert.ok(html.includes('No hospital connected in this browser yet.'));
        assert.ok(!html.includes('Lakeside'));
      }
    });
  });
}
