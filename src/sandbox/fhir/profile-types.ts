import type { OrgProfile } from '../profiles/org-profiles.ts';
import { readOnlyCompartmentTypes, referenceTypes, searchableTypes } from './resource-kinds.ts';

/** Generic servers also search these by patient (US Core 6 Provenance/RelatedPerson, and ImagingStudy). */
const genericExtraSearchTypes = ['Provenance', 'RelatedPerson', 'ImagingStudy'];

/** Types `<Type>?patient=` answers for (broken ones excluded: they are listed but answer 500). */
export function searchTypesOf(profile: OrgProfile): Set<string> {
  if (profile.everythingOnly) return new Set();
  if (profile.searchRules === 'epic') return searchableTypes;
  return new Set([...searchableTypes, ...genericExtraSearchTypes]);
}

/** Types the server answers `<Type>/{id}` for at all (other types: 404). */
export function readTypesOf(profile: OrgProfile): Set<string> {
  if (profile.everythingOnly)
    return new Set([
      ...searchableTypes,
      ...genericExtraSearchTypes,
      'ExplanationOfBenefit',
      ...referenceTypes,
      ...readOnlyCompartmentTypes,
    ]);
  return new Set([...searchTypesOf(profile), ...referenceTypes, ...readOnlyCompartmentTypes]);
}

/** Types the CapabilityStatement lists (searchable, listed-but-broken, then read-only ones). */
export function listedTypesOf(profile: OrgProfile): string[] {
  return [...new Set([...readTypesOf(profile), ...profile.brokenSearchTypes])].sort();
}
