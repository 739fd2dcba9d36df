import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import {
  codeGrant,
  startAuthHarness,
  testRedirectUri,
  testScope,
  type AuthHarness,
} from '../../testing/sandbox/auth-test-harness.ts';
import { createPkcePair } from '../../testing/sandbox/auth-test-kit.ts';

let harness: AuthHarness;
afterEach(() => harness?.close());

function authorizeQuery(overrides: Record<string, string | undefined> = {}): URLSearchParams {
  const params: Record<string, string | undefined> = {
    response_type: 'code',
    client_id: harness.client.clientId,
    redirect_uri: testRedirectUri,
    scope: testScope,
    state: 'state-123',
    aud: harness.urls.fhirBase,
    code_challenge: createPkcePair().challenge,
    code_challenge_method: 'S256',
    ...overrides,
  };
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined) query.set(name, value);
  return query;
}

async function getAuthorize(query: URLSearchParams | string): Promise<Response> {
  return fetch(`${harness.urls.authorize}?${query}`, { redirect: 'manual' });
}

async function expectRedirectError(
  query: URLSearchParams,
  error: string,
  description: string,
): Promise<void> {
  const response = await getAuthorize(query);
  assert.equal(response.status, 302);
  const location = new URL(response.headers.get('location')!);
  assert.equal(`${location.origin}${location.pathname}`, testRedirectUri);
  assert.equal(location.searchParams.get('error'), error);
  assert.equal(location.searchParams.get('error_description'), description);
  assert.equal(location.searchParams.get('iss'), harness.urls.issuer);
  assert.equal(location.searchParams.get('code'), null);
}

describe('authorize endpoint: rejections', () => {
  it('shows a 400 page, never a redirect, for an unknown client, unregistered redirect_uri or repeated parameter', async () => {
    harness = await startAuthHarness();
    const cases = [
      authorizeQuery({ client_id: 'unknown' }),
      authorizeQuery({ client_id: undefined }),
      authorizeQuery({ redirect_uri: 'http://127.0.0.1:9/callback/' }),
      authorizeQuery({ redirect_uri: 'https://evil.example/callback' }),
      `${authorizeQuery()}&state=again`,
    ];
    for (const query of cases) {
      const response = await getAuthorize(query);
      assert.equal(response.status, 400, String(query));
      assert.equal(response.headers.get('location'), null);
      assert.match(response.headers.get('content-type')!, /^text\/html/);
    }
  });

  it('redirects with invalid_request for missing state, aud, PKCE or a plain challenge', async () => {
    harness = await startAuthHarness();
    await expectRedirectError(authorizeQuery({ state: undefined }), 'invalid_request', 'state is required');
    await expectRedirectError(
      authorizeQuery({ aud: undefined }),
      'invalid_request',
      'aud is required: send the FHIR base url',
    );
    await expectRedirectError(
      authorizeQuery({ aud: harness.sandbox.orgUrls('org-b').fhirBase }),
      'invalid_request',
      "aud does not match this organisation's FHIR base url",
    );
    await expectRedirectError(
      authorizeQuery({ code_challenge: undefined, code_challenge_method: undefined }),
      'invalid_request',
      'PKCE is required: code_challenge with method S256',
    );
    await expectRedirectError(
      authorizeQuery({ code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' }),
      'invalid_request',
      'code_challenge_method must be S256',
    );
    await expectRedirectError(
      authorizeQuery({ code_challenge_method: undefined }),
      'invalid_request',
      'PKCE is required: code_challenge with method S256',
    );
    await expectRedirectError(
      authorizeQuery({ response_type: 'token' }),
      'unsupported_response_type',
      'response_type must be code',
    );
    await expectRedirectError(authorizeQuery({ scope: undefined }), 'invalid_scope', 'scope is required');
    await expectRedirectError(
      authorizeQuery({ login_hint: 'nobody' }),
      'invalid_request',
      'login_hint names no sandbox patient at this organisation',
    );
    assert.equal(harness.sandbox.tokens.grants().length, 0);
  });
});

describe('authorize endpoint: sign-in and consent pages', () => {
  async function openSignIn(): Promise<{
    cookie: string;
    transaction: string;
    csrf: string;
    html: string;
    verifier: string;
  }> {
    const pkce = createPkcePair();
    const response = await getAuthorize(authorizeQuery({ code_challenge: pkce.challenge }));
    assert.equal(response.status, 200);
    const html = await response.text();
    const cookie = response.headers.get('set-cookie')!.split(';')[0]!;
    const transaction = /name="transaction" value="([^"]+)"/.exec(html)![1]!;
    const csrf = /name="csrf_token" value="([^"]+)"/.exec(html)![1]!;
    return { cookie, transaction, csrf, html, verifier: pkce.verifier };
  }

  function post(path: string, cookie: string | undefined, form: Record<string, string>): Promise<Response> {
    return fetch(`${harness.urls.authorize}/${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
      body: new URLSearchParams(form).toString(),
    });
  }

  it('signs in with the sandbox password, records the chosen period and redirects with code, state and iss', async () => {
    harness = await startAuthHarness({ autoApprove: false });
    const { cookie, transaction, csrf, html, verifier } = await openSignIn();
    assert.match(html, /<code>annaalpha<\/code>/);
    const wrong = await post('sign-in', cookie, {
      transaction,
      csrf_token: csrf,
      username: 'annaalpha',
      password: 'nope',
    });
    assert.equal(wrong.status, 401);
    assert.match(await wrong.text(), /The username or password is incorrect/);
    const signIn = await post('sign-in', cookie, {
      transaction,
      csrf_token: csrf,
      username: 'AnnaAlpha',
      password: 'chartbridge',
    });
    assert.equal(signIn.status, 200);
    assert.match(await signIn.text(), /Allow .* to access your record\?/);
    const consent = await post('consent', cookie, {
      transaction,
      csrf_token: csrf,
      decision: 'allow',
      period: '1h',
    });
    assert.equal(consent.status, 302);
    const location = new URL(consent.headers.get('location')!);
    assert.equal(location.searchParams.get('state'), 'state-123');
    assert.equal(location.searchParams.get('iss'), harness.urls.issuer);
    assert.ok(location.searchParams.get('code')!.length > 300);
    assert.equal(harness.sandbox.tokens.grants().length, 0);
    const token = await harness.token(codeGrant(location.searchParams.get('code')!, verifier));
    assert.equal(token.status, 200);
    const [grant] = harness.sandbox.tokens.grants();
    assert.equal(grant!.period, '1h');
    assert.equal(grant!.persistentEnd, harness.clock.now() + 3_600_000);
    assert.equal(grant!.patientId, 'eA1.pat-1');
    const again = await post('consent', cookie, {
      transaction,
      csrf_token: csrf,
      decision: 'allow',
      period: '1h',
    });
    assert.equal(again.status, 403);
  });

  it('refuses forms without the browser cookie or with a wrong CSRF token', async () => {
    harness = await startAuthHarness({ autoApprove: false });
    const { cookie, transaction, csrf } = await openSignIn();
    const form = { transaction, csrf_token: csrf, username: 'annaalpha', password: 'chartbridge' };
    assert.equal((await post('sign-in', undefined, form)).status, 403);
    assert.equal(
      (await post('sign-in', 'sandbox_browser=someone-elses-browser-cookie-value-000000', form)).status,
      403,
    );
    assert.equal((await post('sign-in', cookie, { ...form, csrf_token: 'forged' })).status, 403);
    assert.equal(
      (await post('consent', cookie, { transaction, csrf_token: csrf, decision: 'allow', period: '1d' }))
        .status,
      403,
    );
  });

  it('redirects with access_denied when the patient denies', async () => {
    harness = await startAuthHarness({ autoApprove: false });
    const { cookie, transaction, csrf } = await openSignIn();
    await post('sign-in', cookie, {
      transaction,
      csrf_token: csrf,
      username: 'bobbeta',
      password: 'chartbridge',
    });
    const denied = await post('consent', cookie, { transaction, csrf_token: csrf, decision: 'deny' });
    const location = new URL(denied.headers.get('location')!);
    assert.equal(location.searchParams.get('error'), 'access_denied');
    assert.equal(location.searchParams.get('state'), 'state-123');
  });

  it('escapes organisation names on its pages', async () => {
    harness = await startAuthHarness({ autoApprove: false });
    harness.urls = harness.sandbox.orgUrls('org-b');
    const { html } = await openSignIn();
    assert.match(html, /Lakeside Regional &lt;Medical&gt; Center/);
    assert.doesNotMatch(html, /<Medical>/);
  });
});

describe('authorize endpoint: iss and discovery', () => {
  it('advertises RFC 9207 on some organisations and can omit or change iss on request', async () => {
    harness = await startAuthHarness();
    const configA = (await (
      await fetch(`${harness.urls.fhirBase}/.well-known/smart-configuration`)
    ).json()) as Record<string, unknown>;
    const orgB = harness.sandbox.orgUrls('org-b');
    const configB = (await (
      await fetch(`${orgB.fhirBase}/.well-known/smart-configuration`)
    ).json()) as Record<string, unknown>;
    assert.equal(configA.authorization_response_iss_parameter_supported, true);
    assert.equal(configB.authorization_response_iss_parameter_supported, false);
    assert.deepEqual(configA.token_endpoint_auth_methods_supported, ['private_key_jwt']);
    assert.deepEqual(configA.code_challenge_methods_supported, ['S256']);
    assert.equal(configA.token_endpoint, harness.urls.token);
    assert.equal(configA.introspection_endpoint, harness.urls.introspect);
    assert.equal(configA.revocation_endpoint, harness.urls.revoke);
    harness.sandbox.auth.setResponseIss('org-a', { mode: 'omit' });
    assert.equal((await harness.authorize()).query.get('iss'), null);
    harness.sandbox.auth.setResponseIss('org-a', { mode: 'value', value: orgB.issuer });
    assert.equal((await harness.authorize()).query.get('iss'), orgB.issuer);
    harness.sandbox.auth.overrideDiscovery('org-a', { token_endpoint: 'https://elsewhere.invalid/token' });
    const patched = (await (
      await fetch(`${harness.urls.fhirBase}/.well-known/smart-configuration`)
    ).json()) as Record<string, unknown>;
    assert.equal(patched.token_endpoint, 'https://elsewhere.invalid/token');
  });

  it('can tamper with token responses and id_tokens for the connector tests', async () => {
    harness = await startAuthHarness();
    harness.sandbox.auth.tamperTokenResponse(
      () => new Response('<html>oops</html>', { headers: { 'content-type': 'text/html' } }),
    );
    const { query, verifier } = await harness.authorize();
    const response = await harness.token(codeGrant(query.get('code')!, verifier));
    assert.equal(await response.text(), '<html>oops</html>');
    harness.sandbox.auth.tamperTokenResponse((body) => ({ ...body, patient: undefined }));
    harness.sandbox.auth.tamperIdToken({ claims: { iss: 'https://other.invalid' }, foreignKey: true });
    const body = await harness.connect();
    assert.equal(body.patient, undefined);
    const claims = JSON.parse(
      Buffer.from(String(body.id_token).split('.')[1]!, 'base64url').toString(),
    ) as Record<string, unknown>;
    assert.equal(claims.iss, 'https://other.invalid');
  });
});
