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
