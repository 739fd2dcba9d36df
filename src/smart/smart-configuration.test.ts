import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isChartbridgeError } from '../errors.ts';
import { parseCapabilityStatement, parseSmartConfiguration } from './smart-configuration.ts';

const base = 'https://fhir.example.org/interconnect/api/FHIR/R4';
const epicLike = {
  authorization_endpoint: 'https://fhir.example.org/interconnect/oauth2/authorize',
  token_endpoint: 'https://fhir.example.org/interconnect/oauth2/token',
  introspection_endpoint: 'https://fhir.example.org/interconnect/oauth2/introspect',
  code_challenge_methods_supported: ['S256'],
  capabilities: ['launch-standalone', 42],
};

test('an Epic-like document without issuer gets the issuer {server}/oauth2', () => {
  const config = parseSmartConfiguration(base, epicLike);
  assert.equal(config.issuer, 'https://fhir.example.org/interconnect/oauth2');
  assert.equal(config.tokenEndpoint, epicLike.token_endpoint);
  assert.equal(config.introspectionEndpoint, epicLike.introspection_endpoint);
  assert.equal(config.revocationEndpoint, undefined);
  assert.equal(config.issParameterSupported, false);
  assert.deepEqual(config.capabilities, ['launch-standalone']);
});

for (const field of [
  'token_endpoint',
  'authorization_endpoint',
  'issuer',
  'revocation_endpoint',
  'jwks_uri',
]) {
  test(`case 33: '${field}' on another origin is refused`, () => {
    const document = { ...epicLike, [field]: 'https://evil.example.net/oauth2/token' };
    assert.throws(
      () => parseSmartConfiguration(base, document),
      (error) =>
        isChartbridgeError(error, 'ERR_ORIGIN_MISMATCH') &&
        error.message ===
          `discovery for '${base}' puts '${field}' on another origin; refusing to use it (check the endpoint's fhir base)`,
    );
  });
}

test('a look-alike port or scheme is another origin too', () => {
  for (const url of ['https://fhir.example.org:8443/oauth2/token', 'http://fhir.example.org/oauth2/token']) {
    assert.throws(
      () => parseSmartConfiguration(base, { ...epicLike, token_endpoint: url }),
      (e) => isChartbridgeError(e, 'ERR_ORIGIN_MISMATCH'),
    );
  }
});

test('a server without S256 PKCE is refused; missing fields are named', () => {
  assert.throws(
    () => parseSmartConfiguration(base, { ...epicLike, code_challenge_methods_supported: ['plain'] }),
    (e) =>
      isChartbridgeError(e, 'ERR_DISCOVERY_FAILED') &&
      e.message === `discovery for '${base}' failed: the server does not support PKCE 'S256'`,
  );
  assert.throws(
    () => parseSmartConfiguration(base, { authorization_endpoint: epicLike.authorization_endpoint }),
    (e) =>
      isChartbridgeError(e, 'ERR_DISCOVERY_FAILED') &&
      e.message === `discovery for '${base}' failed: 'token_endpoint' is missing`,
  );
  assert.throws(
    () => parseSmartConfiguration(base, { ...epicLike, token_endpoint: 'javascript:alert(1)' }),
    (e) =>
      isChartbridgeError(e, 'ERR_DISCOVERY_FAILED') &&
      e.message === `discovery for '${base}' failed: 'token_endpoint' is not an http(s) url`,
  );
});

test('the metadata oauth-uris extension is the fallback', () => {
  const statement = {
    resourceType: 'CapabilityStatement',
    rest: [
      {
        security: {
          extension: [
            {
              url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
              extension: [
                { url: 'authorize', valueUri: epicLike.authorization_endpoint },
                { url: 'token', valueUri: epicLike.token_endpoint },
                { url: 'revoke', valueUri: 'https://fhir.example.org/interconnect/oauth2/revoke' },
              ],
            },
          ],
        },
      },
    ],
  };
  const config = parseCapabilityStatement(base, statement);
  assert.equal(config.tokenEndpoint, epicLike.token_endpoint);
  assert.equal(config.revocationEndpoint, 'https://fhir.example.org/interconnect/oauth2/revoke');
  assert.throws(
    () => parseCapabilityStatement(base, { resourceType: 'CapabilityStatement' }),
    (e) => isChartbridgeError(e, 'ERR_DISCOVERY_FAILED'),
  );
});
