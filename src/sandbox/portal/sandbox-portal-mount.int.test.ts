import { it } from 'node:test';
import assert from 'node:assert/strict';
import { createPortalClient } from '../../portal/portal-client.ts';
import type { SandboxDataStore } from '../model.ts';
import { startSandbox } from '../sandbox.ts';

const noData: SandboxDataStore = {
  organizations: () => [],
  organization: () => undefined,
  patientResources: () => [],
  read: () => undefined,
};

it('serves the portal double under /portal of the sandbox', async () => {
  const sandbox = await startSandbox({ data: noData, portal: { appId: '321', orgCount: 12 } });
  try {
    const session = sandbox.portal.createSession();
    const client = createPortalClient({
      portalUrl: `${sandbox.url}/portal`,
      session: {
        cookie: `${sandbox.portal.sessionCookieName}=${session.id}`,
        verificationToken: session.verificationToken,
      },
    });
    const downloads = await client.loadAllDownloads('321', 5);
    assert.equal(downloads.length, 12);
    assert.equal(sandbox.portal.counters.loadCalls, 3);
    const signedOut = await fetch(`${sandbox.url}/portal/Developer/Management?id=321`, {
      redirect: 'manual',
    });
    assert.equal(signedOut.status, 302);
    assert.equal(
      signedOut.headers.get('location'),
      `/portal/Account/Login?ReturnUrl=${encodeURIComponent('/portal/Developer/Management?id=321')}`,
    );
  } finally {
    await sandbox.close();
  }
});
