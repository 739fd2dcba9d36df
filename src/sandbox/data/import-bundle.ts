import { ChartbridgeError } from '../../errors.ts';
import type { FhirResource } from '../model.ts';
import { createIdFor, type IdStyle } from './id-styles.ts';

/** Resources that live outside any patient's compartment and are read by reference (deduplicated per org). */
export const sharedResourceTypes = new Set(['Practitioner', 'PractitionerRole', 'Organization', 'Location', 'Medication', 'Endpoint']);

/** What one organisation has already assigned, so bundles loaded later reuse shared resources and never clash. */
export interface OrgIdRegistry {
  orgId: string;
  /** Makes this organisation's ids from a seed, in its profile's style (data/id-styles.ts). */
  newId(seed: string): string;
  usedIds: Set<string>;
  sharedByKey: Map<string, string>;
  sharedByIdentifier: Map<string, string>;
}

export interface ImportedBundle {
  patient: FhirResource;
  /** Every resource of the patient's compartment, Patient included, in bundle order. */
  compartment: FhirResource[];
  /** New shared resources (first seen in this bundle, or stubs for unresolved conditional references). */
  shared: FhirResource[];
}

interface BundleEntry {
  fullUrl?: string;
  resource?: FhirResource;
  request?: { url?: string };
}

export function createOrgIdRegistry(orgId: string, style: IdStyle = 'epic'): OrgIdRegistry {
  return { orgId, newId: createIdFor(style), usedIds: new Set(), sharedByKey: new Map(), sharedByIdentifier: new Map() };
}

/**
 * Turns a transaction Bundle into served resources: every `urn:uuid:` and `Type/id` reference becomes
 * `Type/{id in the organisation's style}`, conditional references (`Practitioner?identifier=…`) resolve to the resource with that
 * identifier or to a stub created for them. Ids derive from the organisation and the source key, so they are
 * stable across restarts; a clash with an earlier bundle (the same uuid in two files) falls back to a seed that
 * includes the source name.
 */
export function importBundle(bundle: unknown, source: string, registry: OrgIdRegistry): ImportedBundle {
  const entries = ((bundle as { entry?: BundleEntry[] }).entry ?? []).filter((entry) => entry.resource);
  const references = new Map<string, string>();
  const kept: FhirResource[] = [];
  const shared: FhirResource[] = [];
  for (const [index, entry] of entries.entries()) {
    const resource = entry.resource as FhirResource;
    const key = readSourceKey(entry, resource) ?? `${source}#${index}`;
    const existing = sharedResourceTypes.has(resource.resourceType) ? registry.sharedByKey.get(key) : undefined;
    const reference = existing ?? `${resource.resourceType}/${assignId(registry, resource.resourceType, key, source)}`;
    if (entry.fullUrl) references.set(entry.fullUrl, reference);
    if (resource.id) references.set(`${resource.resourceType}/${resource.id}`, reference);
    if (existing) continue;
    resource.id = reference.slice(resource.resourceType.length + 1);
    if (sharedResourceTypes.has(resource.resourceType)) {
      registry.sharedByKey.set(key, reference);
      indexIdentifiers(registry, resource, reference);
      shared.push(resource);
    } else {
      kept.push(resource);
    }
  }
  const resolve = createReferenceResolver(references, registry, shared);
  for (const resource of [...kept, ...shared]) rewriteReferences(resource, resolve);
  const patient = kept.find((resource) => resource.resourceType === 'Patient');
  if (!patient) {
    throw new ChartbridgeError('ERR_INVALID_INPUT', `bundle "${source}" has no Patient entry; give one Patient per bundle`);
  }
  return { patient, compartment: kept, shared };
}

/** The identity a resource has in its source: its `urn:uuid` or `Type/id`; undefined when it has neither. */
function readSourceKey(entry: BundleEntry, resource: FhirResource): string | undefined {
  if (entry.fullUrl?.startsWith('urn:uuid:')) return entry.fullUrl;
  if (resource.id) return `${resource.resourceType}/${resource.id}`;
  return entry.fullUrl;
}

function assignId(registry: OrgIdRegistry, type: string, key: string, source: string): string {
  let id = registry.newId(`${registry.orgId}|${key}`);
  if (registry.usedIds.has(`${type}/${id}`)) id = registry.newId(`${registry.orgId}|${source}|${key}`);
  registry.usedIds.add(`${type}/${id}`);
  return id;
}

function indexIdentifiers(registry: OrgIdRegistry, resource: FhirResource, reference: string): void {
  for (const identifier of (resource.identifier as { system?: string; value?: string }[] | undefined) ?? []) {
    registry.sharedByIdentifier.set(`${resource.resourceType}|${identifier.system ?? ''}|${identifier.value ?? ''}`, reference);
  }
}

type ResolveReference = (reference: string, display: string | undefined) => string;

function createReferenceResolver(
  references: Map<string, string>,
  registry: OrgIdRegistry,
  shared: FhirResource[],
): ResolveReference {
  return (reference, display) => {
    const direct = references.get(reference);
    if (direct) return direct;
    const conditional = /^([A-Z][A-Za-z]+)\?identifier=([^|]*)\|(.+)$/.exec(reference);
    if (!conditional) return reference;
    const [, type = '', system = '', value = ''] = conditional;
    const found = registry.sharedByIdentifier.get(`${type}|${system}|${value}`);
    if (found) return found;
    const stub = createStub(registry, type, system, value, display);
    shared.push(stub);
    return `${type}/${stub.id}`;
  };
}

/** A minimal resource for a conditional reference the bundle could not resolve, so reads by reference work. */
function createStub(registry: OrgIdRegistry, type: string, system: string, value: string, display?: string): FhirResource {
  const id = registry.newId(`${registry.orgId}|${type}|${system}|${value}`);
  const label = display ?? `${type} ${value}`;
  const stub: FhirResource = { resourceType: type, id, identifier: [{ system, value }] };
  if (type === 'Practitioner') stub.name = [{ text: label }];
  else stub.name = label;
  registry.usedIds.add(`${type}/${id}`);
  registry.sharedByKey.set(`${type}?identifier=${system}|${value}`, `${type}/${id}`);
  indexIdentifiers(registry, stub, `${type}/${id}`);
  return stub;
}

function rewriteReferences(node: unknown, resolve: ResolveReference): void {
  if (Array.isArray(node)) {
    for (const item of node) rewriteReferences(item, resolve);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const record = node as Record<string, unknown>;
  if (typeof record.reference === 'string' && !record.reference.startsWith('#')) {
    record.reference = resolve(record.reference, typeof record.display === 'string' ? record.display : undefined);
  }
  for (const [key, value] of Object.entries(record)) {
    if (key !== 'reference' && value && typeof value === 'object') rewriteReferences(value, resolve);
  }
}
