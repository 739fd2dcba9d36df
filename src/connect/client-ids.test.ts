import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isChartbridgeError } from '../errors.ts';
import type { EndpointRow } from '../store/endpoint-repository.ts';
import { resolveClientId } from './client-ids.ts';

function endpoint(fields: Partial<EndpointRow>): EndpointRow {
  return {
    id: 'ep-1',
    organization_id: 'org-1',
    fhir_base: 'https://ehr.example.org/api/FHIR/R4',
    name: 'Example',
    vendor: 'epic',
    environment: 'production',
    client_id: null,
    portal_org_id: null,
    status: 'active',
    source: 'test',
    kind: 'provider',
    scope_version: null,
    created_at: 0,
    updated_at: 0,
    ...fields,
  };
}

const ids = { epicProduction: 'epic-prod', epicNonProduction: 'epic-nonprod', generic: 'generic' };

test('client ids per vendor and environment; an endpoint override wins', () => {
  assert.equal(resolveClientId(endpoint({}), ids), 'epic-prod');
  assert.equal(resolveClientId(endpoint({ environment: 'non-production' }), ids), 'epic-nonprod');
  assert.equal(resolveClientId(endpoint({ vendor: 'generic' }), ids), 'generic');
  assert.equal(resolveClientId(endpoint({ client_id: 'site-specific' }), ids), 'site-specific');
});

test('a missing client id names the variable to set', () => {
  assert.throws(
    () => resolveClientId(endpoint({ environment: 'non-production' }), {}),
    (e) =>
      isChartbridgeError(e, 'ERR_CONFIG_INVALID') &&
      e.message ===
        "no client id for non-production epic endpoint 'ep-1'; set CHARTBRIDGE_EPIC_CLIENT_ID_NONPROD",
  );
  assert.throws(
    () => resolveClientId(endpoint({ vendor: 'generic' }), {}),
    (e) =>
      isChartbridgeError(e, 'ERR_CONFIG_INVALID') &&
      e.message === "no client id for endpoint 'ep-1'; set CHARTBRIDGE_GENERIC_CLIENT_ID",
  );
});
