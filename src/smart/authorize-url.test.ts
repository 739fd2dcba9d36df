import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildAuthorizationUrl,
  buildLaunchScope,
  calculateCodeChallenge,
  createPkcePair,
} from './authorize-url.ts';

test('PKCE S256 matches the RFC 7636 appendix B vector', async () => {
  assert.equal(
    await calculateCodeChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'),
    'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
  );
});

test('every transaction gets its own verifier (case 30)', async () => {
  const [a, b] = await Promise.all([createPkcePair(), createPkcePair()]);
  assert.notEqual(a.codeVerifier, b.codeVerifier);
  assert.ok(a.codeVerifier.length >= 43);
  assert.equal(a.codeChallenge, await calculateCodeChallenge(a.codeVerifier));
});

test('the authorize URL carries aud, S256 and the SMART v1 patient scope', () => {
  const url = buildAuthorizationUrl({
    authorizationEndpoint: 'https://ehr.example.org/oauth2/authorize?tenant=1',
    clientId: 'client-1',
    redirectUri: 'http://localhost:3000/callback',
    scope: buildLaunchScope(['Patient', 'Observation']),
    state: 'state-value',
    codeChallenge: 'challenge',
    aud: 'https://ehr.example.org/api/FHIR/R4',
    nonce: 'nonce-value',
  });
  assert.deepEqual(Object.fromEntries(url.searchParams), {
    tenant: '1',
    response_type: 'code',
    client_id: 'client-1',
    redirect_uri: 'http://localhost:3000/callback',
    scope: 'openid fhirUser launch/patient offline_access patient/Patient.read patient/Observation.read',
    state: 'state-value',
    aud: 'https://ehr.example.org/api/FHIR/R4',
    code_challenge: 'challenge',
    code_challenge_method: 'S256',
    nonce: 'nonce-value',
  });
});

test('the launch scope in each grammar: v1 .read (the default) and v2 .rs', () => {
  assert.equal(
    buildLaunchScope(['Patient', 'Observation'], 'v2'),
    'openid fhirUser launch/patient offline_access patient/Patient.rs patient/Observation.rs',
  );
  assert.equal(buildLaunchScope(['Goal']), buildLaunchScope(['Goal'], 'v1'));
});
