import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { exportJWK, generateKeyPair } from 'jose';
import { expectedScopeLabels } from './api-catalog.ts';
import { APPROVE_FIELDS } from './approve-download.ts';
import { startPortalDouble, type RunningPortalDouble } from './start-portal-double.ts';

const APP = '4242';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- assertions walk Epic's loosely typed JSON
const readBody = (response: Response): Promise<any> => response.json();

function approveForm(orgId: string, fields: Partial<Record<(typeof APPROVE_FIELDS)[number], string>>) {
  const form: Record<string, string> = Object.fromEntries(APPROVE_FIELDS.map((name) => [name, '']));
  return { ...form, OrgId: orgId, AppId: APP, NonProdOnly: 'false', ProdOnly: 'false', ...fields };
}

describe('portal double over HTTP', () => {
  let portal: RunningPortalDouble;
  let cookie: string;
  let token: string;
  const post = (path: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${portal.url}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, RequestVerificationToken: token, ...headers },
      body: new URLSearchParams(form),
    });

  before(async () => {
    portal = await startPortalDouble({ appId: APP, orgCount: 25, failingOrgCount: 1 });
    const signIn = await fetch(`${portal.url}/Account/Login`, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({
        Username: 'dev',
        Password: 'pw',
        ReturnUrl: `/Developer/Management?id=${APP}`,
      }),
    });
    assert.equal(signIn.status, 302);
    assert.equal(signIn.headers.get('location'), `/Developer/Management?id=${APP}`);
    cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
    const page = await (
      await fetch(`${portal.url}/Developer/Management?id=${APP}`, { headers: { cookie } })
    ).text();
    token = /name="__RequestVerificationToken" type="hidden" value="([^"]+)"/.exec(page)![1]!;
  });
  after(() => portal.close());

  it('redirects pages and JSON calls without a session to the sign-in page', async () => {
    const page = await fetch(`${portal.url}/Developer/Management?id=${APP}`, { redirect: 'manual' });
    assert.equal(page.status, 302);
    assert.equal(
      page.headers.get('location'),
      `/Account/Login?ReturnUrl=${encodeURIComponent(`/Developer/Management?id=${APP}`)}`,
    );
    const call = await post(
      '/Developer/LoadDownloads',
      { appId: APP, PageSize: '10', page: '0' },
      { cookie: 'x=y' },
    );
    assert.equal(call.status, 302);
  });

  it('answers a wrong verification token with a 400 HTML page', async () => {
    const call = await post(
      '/Developer/LoadDownloads',
      { appId: APP, PageSize: '10', page: '0' },
      {
        RequestVerificationToken: 'wrong',
      },
    );
    assert.equal(call.status, 400);
    assert.match(call.headers.get('content-type')!, /text\/html/);
  });

  it('pages downloads with the exact parameter names', async () => {
    const third = await readBody(
      await post('/Developer/LoadDownloads', { appId: APP, PageSize: '10', page: '2' }),
    );
    assert.equal(third.Success, true);
    assert.equal(third.Data.Downloads.length, 5);
    assert.deepEqual(Object.keys(third.Data.Downloads[0]).slice(0, 4), [
      'Id',
      'OrgName',
      'Approved',
      'ECMId',
    ]);
    assert.equal(third.Data.Downloads[0].Id, `1140_${APP}`);
    const wrongCase = await readBody(
      await post('/Developer/LoadDownloads', { appId: APP, pageSize: '10', page: '0' }),
    );
    assert.deepEqual(wrongCase, { Success: false, Message: 'The request is invalid.', Data: null });
  });

  it('moves an organisation 0 → 3 → 1 in JWK-Set-URL mode and counts every call', async () => {
    const prodFirst = await readBody(
      await post('/Developer/ApproveDownload', approveForm('1007', { ProdOnly: 'true' })),
    );
    assert.deepEqual(prodFirst.Data, {
      Success: false,
      Message: 'Non-production keys must be enabled before production keys.',
    });
    const nonProd = await readBody(
      await post('/Developer/ApproveDownload', approveForm('1007', { NonProdOnly: 'true' })),
    );
    assert.deepEqual(nonProd, { Success: true, Message: null, Data: { Success: true, Message: null } });
    assert.equal(portal.state.orgs.get('1007')!.approved, 3);
    await post('/Developer/ApproveDownload', approveForm('1007', { ProdOnly: 'true' }));
    assert.equal(portal.state.orgs.get('1007')!.approved, 1);
    await post('/Developer/ApproveDownload', approveForm('1007', { ProdOnly: 'true' }));
    const counts = portal.state.countsFor('1007');
    assert.deepEqual(counts, { calls: 4, succeeded: { nonprod: 1, prod: 1, direct: 0 }, redundant: 1 });
  });

  it('accepts a direct RSA JWKS and rejects EC keys and private members', async () => {
    const rsa = await exportJWK((await generateKeyPair('RS384', { extractable: true })).publicKey);
    const ec = await exportJWK((await generateKeyPair('ES384', { extractable: true })).publicKey);
    const rsaPrivate = await exportJWK((await generateKeyPair('RS384', { extractable: true })).privateKey);
    const direct = (jwks: object) =>
      post(
        '/Developer/ApproveDownload',
        approveForm('1014', { TestJWKS: JSON.stringify(jwks), ProdJWKS: JSON.stringify(jwks) }),
      ).then(readBody);
    assert.equal(
      (await direct({ keys: [rsa, ec] })).Data.Message,
      'Only RSA keys can be uploaded directly. Use a JWK Set URL for EC keys.',
    );
    assert.equal(
      (await direct({ keys: [rsaPrivate] })).Data.Message,
      'The JWK Set must contain public keys only.',
    );
    assert.equal(portal.state.orgs.get('1014')!.approved, 0);
    assert.equal((await direct({ keys: [rsa] })).Data.Success, true);
    assert.equal(portal.state.orgs.get('1014')!.approved, 1);
  });

  it('answers a bad OrgId and an unprovisioned site with Epic messages', async () => {
    const missing = await readBody(
      await post('/Developer/ApproveDownload', approveForm('999999', { NonProdOnly: 'true' })),
    );
    assert.deepEqual(missing, {
      Success: false,
      Message: 'Download request could not be found.',
      Data: null,
    });
    const failing = [...portal.state.orgs.values()].find((org) => org.alwaysFails)!;
    const answer = await readBody(
      await post('/Developer/ApproveDownload', approveForm(failing.orgId, { NonProdOnly: 'true' })),
    );
    assert.deepEqual(answer.Data, { Success: false, Message: 'Failed to register client for download.' });
  });

  it('serves the API-selection page with USCDI attributes and decoys', async () => {
    const page = await (
      await fetch(`${portal.url}/Developer/EditApp?appId=${APP}`, { headers: { cookie } })
    ).text();
    assert.equal((page.match(/<li class="apiListItem"/g) ?? []).length, portal.catalog.length);
    assert.match(page, /data-uscdi-v3="True"\s+data-uscdi-readonly="False"/);
    assert.match(page, /label="Patient.Read \(Demographics\) \(DSTU2\)"/);
    assert.equal(expectedScopeLabels(portal.catalog).length, 90);
    assert.equal(portal.catalog.length, 100);
  });
});

describe('portal double rate limiting', () => {
  it('answers 429 with Retry-After beyond the limit', async () => {
    const portal = await startPortalDouble({
      appId: APP,
      orgCount: 3,
      rateLimit: { limit: 2, windowMs: 60_000 },
    });
    try {
      const session = portal.state.createSession();
      const call = () =>
        fetch(`${portal.url}/Developer/LoadDownloads`, {
          method: 'POST',
          headers: {
            cookie: `${portal.state.sessionCookieName}=${session.id}`,
            RequestVerificationToken: session.verificationToken,
          },
          body: new URLSearchParams({ appId: APP, PageSize: '10', page: '0' }),
        });
      assert.equal((await call()).status, 200);
      assert.equal((await call()).status, 200);
      const limited = await call();
      assert.equal(limited.status, 429);
      assert.equal(limited.headers.get('retry-after'), '1');
      assert.equal(portal.state.counters.rateLimited, 1);
    } finally {
      await portal.close();
    }
  });
});
