import type { AccessTokenInfo, FhirResource, SandboxDataStore } from '../model.ts';
import { readCategoryCodes } from '../data/epic-shape.ts';
import { createApiGrants } from '../fhir/api-grants.ts';
import { listAttachments, presentResource } from '../fhir/attachment-urls.ts';
import { everythingTypesOf } from '../fhir/everything-request.ts';
import { listedTypesOf, searchTypesOf } from '../fhir/profile-types.ts';
import { readResource } from '../fhir/read-request.ts';
import { allowsByScope } from '../fhir/scope-access.ts';
import type { OrgProfile } from './org-profiles.ts';

/** One resource a client can obtain. `url` is set for attachments served outside `Binary/{id}`. */
export interface ExpectedEntry {
  resourceType: string;
  id: string;
  url?: string;
}

/** One resource the sandbox holds for the patient that its server will not hand out, and why. */
export interface WithheldEntry {
  resourceType: string;
  id: string;
  reason: string;
}

export interface RecordInput {
  data: SandboxDataStore;
  orgId: string;
  patientId: string;
  profile: OrgProfile;
  fhirBase: string;
  grantedScope?: string | string[];
}

/** Compartment types the fixtures hold that some server does not serve (checked for the withheld list). */
const unservedTypes = ['Claim', 'ExplanationOfBenefit', 'ImagingStudy', 'Binary'];

/**
 * What a client with the grant can obtain from this organisation's server for the patient, found with the
 * server's own rules (the same read function and profile switches): the searchable compartment (or, for
 * payers, `$everything`), the Patient when readable, then every reference and attachment that can be read, and
 * Provenance by `_revinclude`, until nothing new is reachable. The rest of the patient's data is `withheld`.
 */
export function computeRecord(input: RecordInput): { expected: ExpectedEntry[]; withheld: WithheldEntry[] } {
  const { data, orgId, patientId, profile } = input;
  const scopes = readScopes(input.grantedScope);
  const token: AccessTokenInfo = {
    clientId: 'expected-record',
    orgId,
    patientId,
    scopes,
    expiresAt: Infinity,
  };
  const grants = createApiGrants([], []);
  const obtained = new Map<string, ExpectedEntry>();
  const withheld = new Map<string, WithheldEntry>();
  const queue: FhirResource[] = [];
  const add = (resource: FhirResource, url?: string): void => {
    const key = `${resource.resourceType}/${resource.id}`;
    if (obtained.has(key)) return;
    obtained.set(key, { resourceType: resource.resourceType, id: resource.id, ...(url ? { url } : {}) });
    withheld.delete(key);
    queue.push(presentResource(profile, resource, input.fhirBase));
  };
  const tryRead = (type: string, id: string): void => {
    if (obtained.has(`${type}/${id}`) || !data.read(orgId, type, id)) return;
    const result = readResource({ orgId, resourceType: type, id, token, grants, data, profile });
    if (result instanceof Response)
      withheld.set(`${type}/${id}`, { resourceType: type, id, reason: `read answers ${result.status}` });
    else add(result);
  };
  for (const resource of seed(input, scopes)) add(resource);
  if (!profile.everythingOnly) tryRead('Patient', patientId);
  for (;;) {
    while (queue.length > 0) followLinks(queue.pop()!, input, { tryRead, add, withheld });
    const provenance = profile.everythingOnly ? [] : findRevincludes(input, scopes, obtained);
    if (provenance.length === 0) break;
    for (const resource of provenance) add(resource);
  }
  listRest(input, scopes, obtained, withheld);
  return { expected: [...obtained.values()], withheld: [...withheld.values()] };
}

function readScopes(granted: string | string[] | undefined): string[] {
  if (granted === undefined) return [];
  return (Array.isArray(granted) ? granted : [granted])
    .flatMap((scope) => scope.split(/\s+/))
    .filter(Boolean);
}

function seed(input: RecordInput, scopes: string[]): FhirResource[] {
  const { data, orgId, patientId, profile } = input;
  const types = profile.everythingOnly ? everythingTypesOf(profile) : [...searchTypesOf(profile)];
  const action = profile.everythingOnly ? 'read' : 'search';
  // A granular scope (`?category=…`) keeps the resources of its categories only.
  return types
    .filter((type) => allowsByScope(scopes, type, action))
    .flatMap((type) =>
      data
        .patientResources(orgId, patientId, type)
        .filter((resource) => allowsByScope(scopes, type, 'read', readCategoryCodes(resource))),
    );
}

type Links = {
  tryRead(type: string, id: string): void;
  add(resource: FhirResource, url?: string): void;
  withheld: Map<string, WithheldEntry>;
};

/** Every `Type/id` reference (relative or under the FHIR base) and every attachment of one resource. */
function followLinks(resource: FhirResource, input: RecordInput, links: Links): void {
  for (const reference of collectReferences(resource)) {
    const relative = reference.startsWith(`${input.fhirBase}/`)
      ? reference.slice(input.fhirBase.length + 1)
      : reference;
    const match = /^([A-Z][A-Za-z]+)\/([^/?#]+)$/.exec(relative);
    if (match) links.tryRead(match[1]!, match[2]!);
  }
  for (const { url } of listAttachments(resource)) {
    if (!url || url.startsWith('Binary/')) continue;
    const documentId = url.startsWith(`${input.fhirBase}/document/pdf-`)
      ? url.slice(url.lastIndexOf('/pdf-') + 5)
      : undefined;
    const binary = documentId ? input.data.read(input.orgId, 'Binary', documentId) : undefined;
    if (binary) links.add(binary, url);
  }
  for (const { url } of listAttachments(resource)) {
    if (url?.startsWith('Binary/')) links.tryRead('Binary', url.slice('Binary/'.length));
  }
}

function collectReferences(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) for (const item of node) collectReferences(item, found);
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
      if (key === 'reference' && typeof value === 'string') found.push(value);
      else if (key !== 'contained') collectReferences(value, found);
    }
  }
  return found;
}

/** Provenance whose target is an obtained resource (`_revinclude=Provenance:target`), not yet obtained. */
function findRevincludes(
  input: RecordInput,
  scopes: string[],
  obtained: Map<string, ExpectedEntry>,
): FhirResource[] {
  if (!allowsByScope(scopes, 'Provenance', 'read')) return [];
  return input.data
    .patientResources(input.orgId, input.patientId, 'Provenance')
    .filter((provenance) => !obtained.has(`Provenance/${provenance.id}`))
    .filter((provenance) =>
      ((provenance.target as { reference?: string }[] | undefined) ?? []).some((target) =>
        obtained.has(target.reference ?? ''),
      ),
    );
}

/** The patient's remaining resources, each with the reason the server keeps it back. */
function listRest(
  input: RecordInput,
  scopes: string[],
  obtained: Map<string, ExpectedEntry>,
  withheld: Map<string, WithheldEntry>,
): void {
  const listed = new Set(listedTypesOf(input.profile));
  for (const type of new Set([...listed, ...unservedTypes])) {
    for (const resource of input.data.patientResources(input.orgId, input.patientId, type)) {
      const key = `${type}/${resource.id}`;
      if (obtained.has(key) || withheld.has(key)) continue;
      const reason = !listed.has(type)
        ? 'not served by this server'
        : !allowsByScope(scopes, type, 'read', readCategoryCodes(resource))
          ? 'outside the granted scope'
          : type === 'Binary'
            ? 'attachment points at another host'
            : 'not reachable by search or reference';
      withheld.set(key, { resourceType: type, id: resource.id, reason });
    }
  }
}
