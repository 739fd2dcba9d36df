import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { codeGrant, testRedirectUri } from '../testing/sandbox/auth-test-harness.ts';
import { createPkcePair } from '../testing/sandbox/auth-test-kit.ts';
import { readCategoryCodes } from './data/epic-shape.ts';
import {
  matchKeys,
  pageThrough,
  startProfileHarness,
  type ProfileHarness,
} from '../testing/sandbox/profile-test-kit.ts';

const LAB = 'http://terminology.hl7.org/CodeSystem/observation-category|laboratory';
const v2Scope =
  'openid fhirUser launch/patient offline_access patient/Patient.rs patient/Observation.rs patient/Condition.rs';

let harness: ProfileHarness;
before(async () => {
  harness = await startProfileHarness({ profile: 'smart-v2' });
});
after(() => harness.close());

/** The authorize redirect's parameters for `scope` (auto-approve). */
async function authorizeWith(scope: string): Promise<URLSearchParams> {
  return (await harness.authorize({ scope })).query;
}

describe('profile smart-v2: SMART App Launch 2.0 with granular scopes', () => {
  it('advertises permission-v2 and granular scopes in discovery', async () => {
    harness.urls = harness.sandbox.orgUrls('org-a');
    const discovery = (await harness.get(`${harness.urls.fhirBase}/.well-known/smart-configuration`)).json<{
      capabilities: string[];
      scopes_supported: string[];
    }>();
    assert.ok(discovery.capabilities.includes('permission-v2'));
    assert.ok(discovery.capabilities.includes('permission-v1'));
    assert.ok(discovery.scopes_supported.includes(`patient/Observation.rs?category=${LAB}`));
    assert.ok(discovery.scopes_supported.includes('patient/*.rs'));
  });

  it('refuses a v1-only request from an app registered for v2, and v2 from one registered for v1', async () => {
    const v1 = await authorizeWith('openid launch/patient patient/Patient.read patient/Observation.read');
    assert.equal(v1.get('error'), 'invalid_scope');
    assert.equal(
      v1.get('error_description'),
      'this app is registered for SMART v2 scopes (patient/X.rs); v1 scopes (patient/X.read) are refused',
    );
    harness.sandbox.clients.update(harness.client.clientId, { scopeVersion: 'v1' });
    try {
      assert.equal((await authorizeWith(v2Scope)).get('error'), 'invalid_scope');
      const v1Token = await harness.connect({ scope: 'openid launch/patient patient/*.read' });
      assert.equal(v1Token.scope, 'openid launch/patient patient/*.read ');
    } finally {
      harness.sandbox.clients.update(harness.client.clientId, { scopeVersion: undefined });
    }
  });

  it('lets the patient untick categories at consent; the token carries exactly the granted v2 scopes', async () => {
    harness.sandbox.auth.setAutoApprove(false);
    try {
      const org = harness.sandbox.data.organization('org-a')!;
      const pkce = createPkcePair();
      const query = new URLSearchParams({
        response_type: 'code',
        client_id: harness.client.clientId,
        redirect_uri: testRedirectUri,
        scope: v2Scope,
        state: randomUUID(),
        aud: harness.urls.fhirBase,
        code_challenge: pkce.challenge,
        code_challenge_method: 'S256',
      });
      const start = await fetch(`${harness.urls.authorize}?${query}`);
      const cookie = start.headers.get('set-cookie')!.split(';')[0]!;
      const html = await start.text();
      const form = {
        transaction: /name="transaction" value="([^"]+)"/.exec(html)![1]!,
        csrf_token: /name="csrf_token" value="([^"]+)"/.exec(html)![1]!,
      };
      const post = (path: string, body: URLSearchParams) =>
        fetch(`${harness.urls.authorize}/${path}`, {
          method: 'POST',
          redirect: 'manual',
          headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
          body: body.toString(),
        });
      const signIn = await post(
        'sign-in',
        new URLSearchParams({ ...form, username: org.patients[0]!.username, password: 'chartbridge' }),
      );
      const consentPage = await signIn.text();
      for (const box of ['Observation:laboratory', 'Observation:vital-signs', 'Condition:problem-list-item'])
        assert.ok(consentPage.includes(`name="share" value="${box}" checked`), box);
      // Everything unticked but lab results.
      const consent = new URLSearchParams({ ...form, boxes: 'shown', share: 'Observation:laboratory' });
      consent.set('decision', 'allow');
      consent.set('period', '1d');
      const redirect = await post('consent', consent);
      assert.equal(redirect.status, 302);
      const code = new URL(redirect.headers.get('location')!).searchParams.get('code')!;
      const token = await harness.token(codeGrant(code, pkce.verifier));
      const body = (await token.json()) as { scope: string; access_token: string; patient: string };
      assert.equal(
        body.scope,
        `openid fhirUser launch/patient patient/Patient.rs patient/Observation.rs?category=${LAB} `,
      );

      const fhir = (path: string) => harness.get(`${harness.urls.fhirBase}/${path}`, body.access_token);
      const patient = encodeURIComponent(body.patient);
      assert.equal((await fhir(`Observation?patient=${patient}`)).status, 403);
      assert.equal((await fhir(`Observation?patient=${patient}&category=vital-signs`)).status, 403);
      assert.equal((await fhir(`Condition?patient=${patient}`)).status, 403);
      const labs = await pageThrough(
        harness,
        `${harness.urls.fhirBase}/Observation?patient=${patient}&category=${encodeURIComponent(LAB)}`,
        body.access_token,
      );
      const labKeys = matchKeys(labs);
      const expectedLabs = harness.sandbox.data
        .patientResources('org-a', body.patient, 'Observation')
        .filter((o) => readCategoryCodes(o).includes('laboratory'));
      assert.ok(expectedLabs.length > 0);
      assert.equal(labKeys.length, expectedLabs.length);
      // A read by id outside the granted categories is refused too.
      const vital = harness.sandbox.data
        .patientResources('org-a', body.patient, 'Observation')
        .find((o) => !readCategoryCodes(o).includes('laboratory'))!;
      assert.equal((await fhir(`Observation/${vital.id}`)).status, 403);
      assert.equal((await fhir(`Observation/${expectedLabs[0]!.id}`)).status, 200);
    } finally {
      harness.sandbox.auth.setAutoApprove(true);
    }
  });
});
