import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { createManualClock } from '../clock.ts';
import { isChartbridgeError } from '../errors.ts';
import { isOnFhirServer, verifyIdToken } from './id-token.ts';

const issuer = 'https://ehr.example.org/oauth2';
const fhirBase = 'https://ehr.example.org/api/FHIR/R4';
const jwksUri = 'https://ehr.example.org/oauth2/.well-known/jwks.json';
const clock = createManualClock(Date.UTC(2026, 5, 1, 12));
const expected = { issuer, clientId: 'client-1', jwksUri, fhirBase, nonce: 'n-1' };

const serverKeys = await generateKeyPair('RS256');
const otherKeys = await generateKeyPair('RS256');
const publicJwk: JWK = { ...(await exportJWK(serverKeys.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
const fakeFetch = (async (url: string | URL | Request) => {
  assert.equal(String(url), jwksUri);
  return new Response(JSON.stringify({ keys: [publicJwk] }), {
    headers: { 'content-type': 'application/json' },
  });
}) as typeof fetch;
const context = { transport: { fetch: fakeFetch, timeoutMs: 1000 }, clock };

function sign(claims: Record<string, unknown>, key = serverKeys.privateKey) {
  const nowSeconds = Math.floor(clock.now() / 1000);
  return new SignJWT({ sub: 'Patient/eXyz.1-2', fhirUser: 'Patient/eXyz.1-2', nonce: 'n-1', ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setIssuer((claims.iss as string) ?? issuer)
    .setAudience((claims.aud as string) ?? 'client-1')
    .setIssuedAt(nowSeconds)
    .setExpirationTime((claims.exp as number) ?? nowSeconds + 300)
    .sign(key);
}

async function rejects(token: string, reason: string) {
  await assert.rejects(verifyIdToken(token, expected, context), (e) => {
    assert.ok(isChartbridgeError(e, 'ERR_ID_TOKEN_INVALID'), String(e));
    assert.equal(e.message, `id_token from '${issuer}' rejected: ${reason}`);
    return true;
  });
}

test('a good id_token yields sub and fhirUser', async () => {
  const claims = await verifyIdToken(await sign({}), expected, context);
  assert.deepEqual(claims, { sub: 'Patient/eXyz.1-2', fhirUser: 'Patient/eXyz.1-2' });
});

test('case 7: bad signature, wrong iss/aud, expired, foreign fhirUser, wrong nonce are rejected', async () => {
  await rejects(await sign({}, otherKeys.privateKey), 'the signature does not verify');
  await rejects(await sign({ iss: 'https://evil.example.net/oauth2' }), "unexpected 'iss' claim");
  await rejects(await sign({ aud: 'someone-else' }), "unexpected 'aud' claim");
  await rejects(await sign({ exp: Math.floor(clock.now() / 1000) - 3600 }), 'it has expired');
  await rejects(
    await sign({ fhirUser: 'https://evil.example.net/api/FHIR/R4/Patient/1' }),
    "'fhirUser' points at another server",
  );
  await rejects(await sign({ nonce: 'other' }), "'nonce' does not match the launch");
  await rejects('not.a.jwt', 'it is malformed');
});

test('without a jwks_uri an id_token cannot be trusted', async () => {
  await assert.rejects(verifyIdToken(await sign({}), { ...expected, jwksUri: undefined }, context), (e) =>
    isChartbridgeError(e, 'ERR_ID_TOKEN_INVALID'),
  );
});

test('fhirUser must stay under the FHIR base: relative, or same origin and path', () => {
  assert.equal(isOnFhirServer('Patient/abc', fhirBase), true);
  assert.equal(isOnFhirServer(`${fhirBase}/RelatedPerson/x.1`, fhirBase), true);
  assert.equal(isOnFhirServer('https://ehr.example.org/other/Patient/1', fhirBase), false);
  assert.equal(isOnFhirServer('https://ehr.example.org.evil.net/api/FHIR/R4/Patient/1', fhirBase), false);
  assert.equal(isOnFhirServer('https://user@ehr.example.org/api/FHIR/R4/Patient/1', fhirBase), false);
  assert.equal(isOnFhirServer('../Patient/1', fhirBase), false);
});
