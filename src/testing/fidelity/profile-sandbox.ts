import { profileNames } from '../../sandbox/profiles/server-profile.ts';
import type { Sandbox, SandboxOptions } from '../../sandbox/sandbox.ts';
import type { RecordKey } from './measure-record.ts';

/** The sandbox profiles the fidelity bench and the profile tests run: every one the sandbox has. */
export const fidelityProfiles: readonly string[] = profileNames;

/** Sandbox settings that make every organisation behave as `profile`. */
export function sandboxOptionsFor(profile: string): SandboxOptions {
  return { profile };
}

/** What the sandbox holds for this patient that these scopes allow, in the sandbox's own words. */
export function expectedRecordOf(
  sandbox: Sandbox,
  input: { orgId: string; patientId: string; scopes: string[] },
): RecordKey[] {
  return sandbox.expectedRecord(input.orgId, input.patientId, input.scopes);
}

/**
 * The consent boxes a patient leaves ticked (src/sandbox/auth/consent-choices.ts), or undefined for everything.
 * On `smart-v2` every second patient shares only part of the record — lab results, vital signs, the problem list,
 * medicines, allergies, immunizations, visits, documents and reports, and what those point at — so the bench
 * measures a granular grant too: what the patient unticked is outside the grant, never counted as lost.
 */
export function consentFor(profile: string, patientIndex: number): string[] | undefined {
  if (profile !== 'smart-v2' || patientIndex % 2 === 0) return undefined;
  return [
    'Observation:laboratory',
    'Observation:vital-signs',
    'Condition:problem-list-item',
    'MedicationRequest',
    'Medication',
    'AllergyIntolerance',
    'Immunization',
    'Encounter',
    'DocumentReference',
    'DiagnosticReport',
    'Binary',
    'Practitioner',
    'Organization',
    'Location',
    'Provenance',
  ];
}
