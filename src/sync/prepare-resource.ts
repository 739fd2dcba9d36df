import { hash } from 'node:crypto';
import { describeUnsafeId, isSafeFhirId } from '../fhir/fhir-id.ts';
import type { ResourceRecord } from '../store/resources-repository.ts';

export const RESOURCE_TYPE = /^[A-Z][A-Za-z]{1,63}$/;

export type PreparedResource = { ok: true; record: ResourceRecord } | { ok: false; reason: string };

/**
 * Validates a resource's type and id and computes what the store keeps: its JSON, a content hash and a
 * sortable version rank (lastUpdated, then a numeric versionId) so the newest version wins regardless of the
 * order pages arrive in (A8).
 */
export function prepareResource(resource: unknown): PreparedResource {
  if (typeof resource !== 'object' || resource === null || Array.isArray(resource)) {
    return { ok: false, reason: 'entry without a resource object' };
  }
  const { resourceType, id, meta } = resource as { resourceType?: unknown; id?: unknown; meta?: unknown };
  if (typeof resourceType !== 'string' || !RESOURCE_TYPE.test(resourceType)) {
    return { ok: false, reason: 'entry with an invalid resourceType' };
  }
  if (!isSafeFhirId(id)) {
    return { ok: false, reason: `${resourceType} entry with ${describeUnsafeId(id)}` };
  }
  const { versionId, lastUpdated } = readMeta(meta);
  const json = JSON.stringify(resource);
  return {
    ok: true,
    record: {
      resourceType,
      id,
      versionId,
      lastUpdated,
      versionRank: rankVersion(versionId, lastUpdated),
      json,
      hash: hash('sha256', json, 'hex'),
    },
  };
}

function readMeta(meta: unknown): { versionId: string | null; lastUpdated: string | null } {
  if (typeof meta !== 'object' || meta === null) return { versionId: null, lastUpdated: null };
  const { versionId, lastUpdated } = meta as { versionId?: unknown; lastUpdated?: unknown };
  return {
    versionId: typeof versionId === 'string' && versionId.length <= 64 ? versionId : null,
    lastUpdated: typeof lastUpdated === 'string' && lastUpdated.length <= 64 ? lastUpdated : null,
  };
}

/** `<15-digit lastUpdated ms>:<12-digit versionId>`; string order equals version order. '' = unknown. */
export function rankVersion(versionId: string | null, lastUpdated: string | null): string {
  const at = lastUpdated === null ? NaN : Date.parse(lastUpdated);
  const time = Number.isFinite(at) && at >= 0 ? String(at).padStart(15, '0') : '';
  const version = versionId !== null && /^\d{1,12}$/.test(versionId) ? versionId.padStart(12, '0') : '';
  if (time === '' && version === '') return '';
  return `${time.padStart(15, '0')}:${version.padStart(12, '0')}`;
}

/** Keeps the newest of duplicate entries within one page (the store does the same across pages). */
export function keepNewestPerKey(records: ResourceRecord[]): ResourceRecord[] {
  const byKey = new Map<string, ResourceRecord>();
  for (const record of records) {
    const key = `${record.resourceType}/${record.id}`;
    const existing = byKey.get(key);
    if (!existing || record.versionRank === '' || record.versionRank >= existing.versionRank)
      byKey.set(key, record);
  }
  return [...byKey.values()];
}
