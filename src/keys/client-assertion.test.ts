import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { decodeJwt, decodeProtectedHeader, importJWK, jwtVerify } from 'jose';
import { createManualClock } from '../clock.ts';
import { assertionLifetimeSeconds, createClientAssertion } from './client-assertion.ts';
import { loadKeyStore } from './key-store.ts';
import { createTempDir, ecPem, rsaPem } from '../testing/test-keys.ts';

const execFileAsync = promisify(execFile);
const tokenEndpoint = 'https://fhir.example.org/interconnect-fhir-oauth/oauth2/token';
const clientId = 'd45049c3-3441-40ef-ab4d-b9cd86a17225';

test('Epic assertion (docs/epic-facts.md §2): header alg/kid/typ and claims iss=sub, aud as one string, fresh jti, exp 240 s ahead', async () => {
  const clock = createManualClock(Date.UTC(2026, 5, 1, 12, 0, 0));
  const store = await loadKeyStore({ privateKeysPem: rsaPem(), clock });
  const key = store.activeKey();
  const first = await createClientAssertion({ key, clientId, tokenEndpoint, clock });
  const second = await createClientAssertion({ key, clientId, tokenEndpoint, clock });
  assert.deepEqual(decodeProtectedHeader(first), { alg: 'RS384', kid: key.kid, typ: 'JWT' });
  const claims = decodeJwt(first);
  const now = clock.now() / 1000;
  assert.deepEqual(claims, {
    iss: clientId,
    sub: clientId,
    aud: tokenEndpoint,
    jti: claims.jti,
    iat: now,
    exp: now + 240,
  });
  assert.equal(assertionLifetimeSeconds, 240);
  assert.equal(typeof claims.aud, 'string');
  assert.match(claims.jti!, /^[A-Za-z0-9_-]{43}$/);
  assert.notEqual(decodeJwt(second).jti, claims.jti);
  // The kid in the header names a key of the published JWKS, and that key verifies the signature.
  const published = store.publicJwks().keys.find((jwk) => jwk.kid === key.kid)!;
  const verified = await jwtVerify(first, await importJWK(published, 'RS384'), {
    issuer: clientId,
    subject: clientId,
    audience: tokenEndpoint,
    currentDate: new Date(clock.now()),
    typ: 'JWT',
  });
  assert.equal(verified.payload.jti, claims.jti);
});

test('ES384 keys sign with ES384 and their kid', async () => {
  const clock = createManualClock();
  const store = await loadKeyStore({ privateKeysPem: ecPem('P-384'), clock });
  const assertion = await createClientAssertion({ key: store.activeKey(), clientId, tokenEndpoint, clock });
  assert.deepEqual(decodeProtectedHeader(assertion), {
    alg: 'ES384',
    kid: store.activeKey().kid,
    typ: 'JWT',
  });
  const jwk = store.publicJwks().keys[0]!;
  await jwtVerify(assertion, await importJWK(jwk, 'ES384'), { currentDate: new Date(clock.now()) });
});

test('an independent verifier (openssl dgst -sha384 -verify) accepts the RS384 signature', async () => {
  const clock = createManualClock();
  const store = await loadKeyStore({ privateKeysPem: rsaPem(), clock });
  const assertion = await createClientAssertion({ key: store.activeKey(), clientId, tokenEndpoint, clock });
  const [header, payload, signature] = assertion.split('.') as [string, string, string];
  const dir = await createTempDir();
  const files = {
    pub: path.join(dir, 'pub.pem'),
    data: path.join(dir, 'data'),
    sig: path.join(dir, 'sig.bin'),
  };
  // The public key comes from the served JWKS, not from the private key object.
  const jwk = store.publicJwks().keys[0]!;
  const pem = createPublicKey({ key: { kty: jwk.kty!, n: jwk.n!, e: jwk.e! }, format: 'jwk' }).export({
    type: 'spki',
    format: 'pem',
  });
  await writeFile(files.pub, pem);
  await writeFile(files.data, `${header}.${payload}`);
  await writeFile(files.sig, Buffer.from(signature, 'base64url'));
  const verify = (data: string) =>
    execFileAsync('openssl', ['dgst', '-sha384', '-verify', files.pub, '-signature', files.sig, data]);
  const { stdout } = await verify(files.data);
  assert.equal(stdout.trim(), 'Verified OK');
  // The verifier must be able to fail: one changed byte of the signing input is rejected.
  await writeFile(files.data, `${header}.${payload}x`);
  await assert.rejects(verify(files.data), (error: { stdout?: string }) =>
    /Verification failure/.test(error.stdout ?? ''),
  );
});

test('programmer misuse throws TypeError', async () => {
  const clock = createManualClock();
  const store = await loadKeyStore({ privateKeysPem: rsaPem(), clock });
  const key = store.activeKey();
  await assert.rejects(createClientAssertion({ key, clientId: '', tokenEndpoint, clock }), TypeError);
  await assert.rejects(
    createClientAssertion({ key, clientId, tokenEndpoint: '/oauth2/token', clock }),
    TypeError,
  );
});
