import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixturesDir } from '../fixtures-dir.ts';

/**
 * The "Incoming APIs" the double's app-edit page offers: every USCDI R4 label of
 * fixtures/epic/uscdi-r4-api-labels.txt (flagged USCDI v3, USCDI read-only, or both), plus decoys a correct scope
 * script must leave alone: non-USCDI R4 APIs and USCDI-flagged APIs of older FHIR versions.
 */
export interface PortalApi {
  id: string;
  label: string;
  uscdiV3: boolean;
  uscdiReadOnly: boolean;
}

export const DECOY_APIS: ReadonlyArray<Omit<PortalApi, 'id'>> = [
  { label: 'Appointment.Read (Appointments) (R4)', uscdiV3: false, uscdiReadOnly: false },
  { label: 'Appointment.$book (Appointments) (R4)', uscdiV3: false, uscdiReadOnly: false },
  { label: 'Patient.Create (R4)', uscdiV3: false, uscdiReadOnly: false },
  { label: 'Observation.Create (Vitals) (R4)', uscdiV3: false, uscdiReadOnly: false },
  { label: 'Communication.Search (Patient) (R4)', uscdiV3: false, uscdiReadOnly: false },
  { label: 'Patient.Read (Demographics) (DSTU2)', uscdiV3: true, uscdiReadOnly: false },
  { label: 'Observation.Search (Labs) (DSTU2)', uscdiV3: true, uscdiReadOnly: true },
  { label: 'Condition.Search (Problems) (STU3)', uscdiV3: false, uscdiReadOnly: true },
  { label: 'MedicationRequest.Search (Signed Medication Order) (STU3)', uscdiV3: true, uscdiReadOnly: false },
  { label: 'Binary.Read (Radiology Results) (DSTU2)', uscdiV3: false, uscdiReadOnly: true },
];

/** Reads the label list; comment lines start with '#'. */
export function readUscdiR4Labels(path = join(fixturesDir, 'epic', 'uscdi-r4-api-labels.txt')): string[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
}

/**
 * The catalogue in the order the page lists it (alphabetical, as Epic does). Flags alternate deterministically so
 * the page has options that are v3-only, read-only-only and both, and a script must read both attributes.
 */
export function buildApiCatalog(labels: string[] = readUscdiR4Labels()): PortalApi[] {
  const uscdi = labels.map((label, index) => ({
    label,
    uscdiV3: index % 3 !== 1,
    uscdiReadOnly: index % 3 !== 0,
  }));
  return [...uscdi, ...DECOY_APIS]
    .sort((a, b) => a.label.localeCompare(b.label))
    .map((api, index) => ({ id: String(30000 + index * 3), ...api }));
}

/** The labels a correct scope selection ends with: USCDI v3 or read-only, and "(R4)" in the label. */
export function expectedScopeLabels(catalog: PortalApi[]): string[] {
  return catalog
    .filter((api) => (api.uscdiV3 || api.uscdiReadOnly) && api.label.includes('(R4)'))
    .map((api) => api.label)
    .sort((a, b) => a.localeCompare(b));
}
