import type { Kysely } from 'kysely';
import { isChartbridgeError } from '../errors.ts';
import { fetchSmartConfiguration } from '../smart/discovery.ts';
import { createDirectoryRepository } from '../store/directory-repository.ts';
import type { Database } from '../store/schema.ts';

export interface EndpointCheck {
  endpointId: string;
  name: string;
  fhirBase: string;
  ok: boolean;
  /** Why discovery failed (host unreachable, http status, not SMART); absent when ok. */
  reason?: string;
}

/**
 * The directory health check (`directory check`, and `doctor` can call it): SMART discovery against every active
 * endpoint, a few at a time, so endpoints whose hosts stopped resolving or stopped speaking SMART are flagged.
 */
export async function checkDirectoryEndpoints(deps: {
  db: Kysely<Database>;
  fetch: typeof fetch;
  timeoutMs?: number;
  concurrency?: number;
  endpointIds?: string[];
  onResult?: (check: EndpointCheck) => void;
}): Promise<EndpointCheck[]> {
  const all = await createDirectoryRepository(deps.db).listActiveEndpoints();
  const endpoints = deps.endpointIds ? all.filter((e) => deps.endpointIds!.includes(e.id)) : all;
  const results: EndpointCheck[] = new Array(endpoints.length);
  let next = 0;
  const worker = async () => {
    while (next < endpoints.length) {
      const index = next++;
      const endpoint = endpoints[index]!;
      results[index] = await checkOne(endpoint, deps.fetch, deps.timeoutMs ?? 10_000);
      deps.onResult?.(results[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, deps.concurrency ?? 8) }, worker));
  return results;
}

async function checkOne(
  endpoint: { id: string; name: string; fhir_base: string },
  fetchImpl: typeof fetch,
  timeoutMs: number,
): Promise<EndpointCheck> {
  const base = { endpointId: endpoint.id, name: endpoint.name, fhirBase: endpoint.fhir_base };
  try {
    await fetchSmartConfiguration(endpoint.fhir_base, { fetch: fetchImpl, timeoutMs });
    return { ...base, ok: true };
  } catch (error) {
    return { ...base, ok: false, reason: isChartbridgeError(error) ? error.message : 'unexpected error' };
  }
}
