import type { Config } from '../config/config.ts';
import { ChartbridgeError } from '../errors.ts';
import type { EndpointRow } from '../store/endpoint-repository.ts';

/** Client id per vendor and environment (docs/epic-facts.md §1: non-production and production); an endpoint may override. */
export function resolveClientId(endpoint: EndpointRow, clientIds: Config['clientIds']): string {
  if (endpoint.client_id) return endpoint.client_id;
  if (endpoint.vendor === 'epic') {
    const id = endpoint.environment === 'production' ? clientIds.epicProduction : clientIds.epicNonProduction;
    if (id) return id;
    const variable =
      endpoint.environment === 'production'
        ? 'CHARTBRIDGE_EPIC_CLIENT_ID'
        : 'CHARTBRIDGE_EPIC_CLIENT_ID_NONPROD';
    throw new ChartbridgeError(
      'ERR_CONFIG_INVALID',
      `no client id for ${endpoint.environment} epic endpoint '${endpoint.id}'; set ${variable}`,
    );
  }
  if (clientIds.generic) return clientIds.generic;
  throw new ChartbridgeError(
    'ERR_CONFIG_INVALID',
    `no client id for endpoint '${endpoint.id}'; set CHARTBRIDGE_GENERIC_CLIENT_ID`,
  );
}
