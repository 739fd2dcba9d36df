import { z } from 'zod';
import { ChartbridgeError } from '../errors.ts';
import { fetchSmartConfiguration } from '../smart/discovery.ts';
import { SCOPE_VERSION_SETTINGS } from '../config/scope-version-setting.ts';
import { createDirectoryManualRepository } from '../store/directory-manual-repository.ts';
import { createEndpointRepository } from '../store/endpoint-repository.ts';
import { toSearchText } from './bundle-entry-mapper.ts';
import { checkFhirBase, toEndpointId, toOrganizationId } from './endpoint-id.ts';
import type { DirectoryDeps } from './import-directory.ts';

const entrySchema = z.object({
  name: z.string().trim().min(1).max(200),
  fhirBase: z.string().trim().min(1).max(2000),
  clientId: z.string().trim().min(1).max(200).optional(),
  vendor: z.enum(['epic', 'generic']).default('generic'),
  kind: z.enum(['provider', 'payer']).default('provider'),
  /** Unset: CHARTBRIDGE_SCOPE_VERSION, then the vendor's default (smart/scope-version.ts). */
  scopeVersion: z.enum(SCOPE_VERSION_SETTINGS).optional(),
  environment: z.enum(['production', 'non-production']).default('production'),
  city: z.string().trim().min(1).max(100).optional(),
  state: z.string().trim().min(1).max(50).optional(),
  allowLoopback: z.boolean().default(false),
});

export type ManualEntryInput = z.input<typeof entrySchema>;

export interface ManualEntryResult {
  organizationId: string;
  endpointId: string;
  fhirBase: string;
  kind: 'provider' | 'payer';
  /** The issuer discovery reported: proof the server speaks SMART. */
  issuer: string;
}

/**
 * Adds an organisation the published directory lacks, or another vendor's SMART endpoint. The FHIR base must pass
 * SMART discovery (`.well-known/smart-configuration`, `/metadata` as fallback) before anything is stored.
 */
export async function addManualEntry(
  deps: DirectoryDeps & { fetch: typeof fetch; timeoutMs?: number },
  input: ManualEntryInput,
): Promise<ManualEntryResult> {
  const parsed = entrySchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ChartbridgeError(
      'ERR_INVALID_INPUT',
      `invalid ${String(issue.path[0])}: ${issue.message.toLowerCase()}`,
    );
  }
  const entry = parsed.data;
  const fhirBase = checkManualFhirBase(entry.fhirBase, entry.allowLoopback);
  const configuration = await fetchSmartConfiguration(fhirBase.fhirBase, {
    fetch: deps.fetch,
    timeoutMs: deps.timeoutMs ?? 15_000,
  });
  const endpointId = toEndpointId(fhirBase.key);
  await refuseBaseHeldElsewhere(deps, fhirBase.fhirBase, endpointId);
  const organizationId = toOrganizationId('manual', `${fhirBase.key}\u0000${entry.name.toLowerCase()}`);
  const searchFields = {
    name: entry.name,
    aliases: [],
    city: entry.city ?? null,
    state: entry.state ?? null,
    website: null,
  };
  await createDirectoryManualRepository(deps.db).upsert({
    organizationId,
    name: entry.name,
    city: entry.city ?? null,
    state: entry.state ?? null,
    searchText: toSearchText(searchFields),
    endpointId,
    fhirBase: fhirBase.fhirBase,
    vendor: entry.vendor,
    kind: entry.kind,
    scopeVersion: entry.scopeVersion,
    environment: entry.environment,
    clientId: entry.clientId ?? null,
    now: deps.clock.now(),
  });
  deps.log.info({ organizationId, endpointId }, 'manual directory entry added');
  return {
    organizationId,
    endpointId,
    fhirBase: fhirBase.fhirBase,
    kind: entry.kind,
    issuer: configuration.issuer,
  };
}

/** The same FHIR base under another endpoint id (e.g. the demo's sandbox entries): one line, not a UNIQUE error. */
async function refuseBaseHeldElsewhere(
  deps: DirectoryDeps,
  fhirBase: string,
  endpointId: string,
): Promise<void> {
  const holder = await createEndpointRepository(deps.db).findOtherEndpointWithBase(fhirBase, endpointId);
  if (holder) {
    throw new ChartbridgeError(
      'ERR_CONFLICT',
      `the fhir base is already in the directory as endpoint '${holder.id}' (${holder.name}); search for it instead of adding it again`,
    );
  }
}

function checkManualFhirBase(value: string, allowLoopback: boolean): { fhirBase: string; key: string } {
  const check = checkFhirBase(value, { allowLoopback });
  if (check.ok) return check;
  const why = {
    'not-https': 'must use https',
    'credentials-in-url': 'must not contain a user name or password',
    'invalid-url': 'is not a valid url',
  }[check.reason];
  throw new ChartbridgeError('ERR_INVALID_INPUT', `the fhir base ${why}`);
}
