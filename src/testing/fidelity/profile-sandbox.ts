import type { Sandbox, SandboxOptions } from '../../sandbox/sandbox.ts';
import { computeExpectedRecord } from './expected-record.ts';
import type { RecordKey } from './measure-record.ts';

/**
 * The sandbox profiles the fidelity bench and the profile tests run. Today's sandbox is the `epic` profile only;
 * once the sandbox exports its profile list (branch `profiles`), this list is that export.
 */
export const fidelityProfiles: readonly string[] = ['epic'];

/** Sandbox settings that make it behave as `profile` (today: `epic`, the sandbox's only behaviour). */
export function sandboxOptionsFor(profile: string): SandboxOptions {
  if (profile !== 'epic') throw new TypeError(`sandbox profile '${profile}' does not exist; use epic`);
  return {};
}

/** What the sandbox holds for this patient that these scopes allow (the sandbox's own answer once it has one). */
export function expectedRecordOf(
  sandbox: Sandbox,
  input: { orgId: string; patientId: string; scopes: string[] },
): RecordKey[] {
  return computeExpectedRecord({ data: sandbox.data, ...input });
}
