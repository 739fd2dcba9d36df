import type { FhirResource, SandboxDataStore, SandboxOrganization, SandboxPatient } from '../model.ts';

/** Reads resources that are not held in memory (the synthetic generator builds them on demand). */
export type ResourceReader = (resourceType: string, id: string) => FhirResource | undefined;

export interface MutableDataStore extends SandboxDataStore {
  addOrganization(org: { id: string; name: string }): void;
  /** Adds a patient with its compartment grouped by type; lazy lists are not indexed (add a reader for them). */
  addPatient(orgId: string, patient: SandboxPatient, byType: Map<string, FhirResource[]>, opts?: { lazy?: boolean }): void;
  /** Serves reads of resources built on demand (tried after the in-memory index). */
  addReader(orgId: string, reader: ResourceReader): void;
  /** Adds resources outside any compartment (Practitioner, Organization, …), readable by every patient. */
  addShared(orgId: string, resources: FhirResource[]): void;
  /** Resources held in memory, over all organisations (lazy lists are not counted). */
  size(): number;
}

interface OrgData {
  org: SandboxOrganization;
  byPatient: Map<string, Map<string, FhirResource[]>>;
  byKey: Map<string, FhirResource>;
  readers: ResourceReader[];
}

/** The sandbox's data, grouped per organisation; ids are unique only within one organisation, as at Epic. */
export function createMemoryStore(): MutableDataStore {
  const orgs = new Map<string, OrgData>();
  let held = 0;
  const requireOrg = (orgId: string): OrgData => {
    const data = orgs.get(orgId);
    if (!data) throw new TypeError(`organisation "${orgId}" was not added to the sandbox store`);
    return data;
  };
  const index = (data: OrgData, resource: FhirResource): void => {
    data.byKey.set(`${resource.resourceType}/${resource.id}`, resource);
    held += 1;
  };
  return {
    addOrganization({ id, name }) {
      orgs.set(id, { org: { id, name, patients: [] }, byPatient: new Map(), byKey: new Map(), readers: [] });
    },
    addPatient(orgId, patient, byType, opts = {}) {
      const data = requireOrg(orgId);
      data.org.patients.push(patient);
      data.byPatient.set(patient.id, byType);
      if (!opts.lazy) for (const list of byType.values()) for (const resource of list) index(data, resource);
    },
    addReader(orgId, reader) {
      requireOrg(orgId).readers.push(reader);
    },
    addShared(orgId, resources) {
      const data = requireOrg(orgId);
      for (const resource of resources) index(data, resource);
    },
    size: () => held,
    organizations: () => [...orgs.values()].map((data) => data.org),
    organization: (orgId) => orgs.get(orgId)?.org,
    patientResources: (orgId, patientId, resourceType) =>
      orgs.get(orgId)?.byPatient.get(patientId)?.get(resourceType) ?? [],
    read(orgId, resourceType, id) {
      const data = orgs.get(orgId);
      if (!data) return undefined;
      const found = data.byKey.get(`${resourceType}/${id}`);
      if (found) return found;
      for (const reader of data.readers) {
        const resource = reader(resourceType, id);
        if (resource) return resource;
      }
      return undefined;
    },
  };
}

/** Groups a compartment by resource type, keeping bundle order within each type. */
export function groupByType(resources: FhirResource[]): Map<string, FhirResource[]> {
  const byType = new Map<string, FhirResource[]>();
  for (const resource of resources) {
    const list = byType.get(resource.resourceType);
    if (list) list.push(resource);
    else byType.set(resource.resourceType, [resource]);
  }
  return byType;
}
