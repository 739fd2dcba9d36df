import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createManualClock } from '../clock.ts';
import { isChartbridgeError } from '../errors.ts';
import { createDiscoveryCache, fetchSmartConfiguration } from './discovery.ts';

const base = 'https://ehr.example.org/fhir/api/FHIR/R4';
const smart = {
  authorization_endpoint: 'https://ehr.example.org/fhir/oauth2/authorize',
  token_endpoint: 'https://ehr.example.org/fhir/oauth2/token',
};

function serve(routes: Record<string, unknown>, calls: string[] = []): typeof fetch {
  return (async (url: string | URL | Request) => {
    calls.push(String(url));
    const body = routes[String(url)];
    if (body === undefined)
      return new Response('<html>not found</html>', {
        status: 404,
        headers: { 'content-type': 'text/html' },
      });
    return new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
}

test('jwks_uri comes from the issuer OpenID configuration when smart-configuration omits it (same origin only)', async () => {
  const openid = 'https://ehr.example.org/fhir/oauth2/.well-known/openid-configuration';
  const found = await fetchSmartConfiguration(base, {
    fetch: serve({
      [`${base}/.well-known/smart-configuration`]: smart,
      [openid]: { jwks_uri: 'https://ehr.example.org/keys' },
    }),
    timeoutMs: 1000,
  });
  assert.equal(found.jwksUri, 'https://ehr.example.org/keys');
  const foreign = await fetchSmartConfiguration(base, {
    fetch: serve({
      [`${base}/.well-known/smart-configuration`]: smart,
      [openid]: { jwks_uri: 'https://evil.example.net/keys' },
    }),
    timeoutMs: 1000,
  });
  assert.equal(foreign.jwksUri, undefined);
});

test('plain http is refused except for loopback; an unreachable server is a clear discovery error', async () => {
  await assert.rejects(
    fetchSmartConfiguration('http://ehr.example.org/fhir', { fetch: serve({}), timeoutMs: 1000 }),
    (e) =>
      isChartbridgeError(e, 'ERR_DISCOVERY_FAILED') &&
      e.message === "discovery for 'http://ehr.example.org/fhir' failed: the fhir base must be https",
  );
  await assert.rejects(
    fetchSmartConfiguration(base, { fetch: serve({}), timeoutMs: 1000 }),
    (e) =>
      isChartbridgeError(e, 'ERR_DISCOVERY_FAILED') &&
      e.message === `discovery for '${base}' failed: http 404; metadata: http 404`,
  );
});

test('discovery is cached per FHIR base; failures are not', async () => {
  const calls: string[] = [];
  const clock = createManualClock();
  let routes: Record<string, unknown> = {};
  const fetchImpl = ((url: string | URL | Request) => serve(routes, calls)(url)) as typeof fetch;
  const cache = createDiscoveryCache({
    transport: { fetch: fetchImpl, timeoutMs: 1000 },
    clock,
    ttlMs: 60_000,
  });
  await assert.rejects(cache.getSmartConfiguration(base));
  routes = {
    [`${base}/.well-known/smart-configuration`]: { ...smart, jwks_uri: 'https://ehr.example.org/keys' },
  };
  const first = await cache.getSmartConfiguration(base);
  const callsAfterFirst = calls.length;
  assert.equal(await cache.getSmartConfiguration(base), first);
  assert.equal(calls.length, callsAfterFirst, 'served from the cache');
  clock.advance(60_001);
  await cache.getSmartConfiguration(base);
  assert.equal(calls.length, callsAfterFirst + 1, 'refetched after the cache lifetime');
});
