import { ChartbridgeError } from '../../errors.ts';
import { defaultProfile, getProfile, type ProfileName, type ServerProfile } from './server-profile.ts';

/** A profile as one organisation serves it. */
export interface OrgProfile extends ServerProfile {
  /**
   * Whether `Patient/{id}` can be read. Payers of the `everything-only` profile at odd positions (`org-b`,
   * `org-d`, …) have no Patient read at all: the patient appears only inside `$everything`.
   */
  patientRead: boolean;
}

export interface ProfileChoice {
  /** The profile of every organisation not named in `orgProfiles` (default `epic`). */
  profile?: ProfileName | string;
  /** Per-organisation profiles, e.g. `{ 'org-b': 'everything-only' }`. */
  orgProfiles?: Record<string, ProfileName | string>;
}

/** Resolves each organisation's profile (by position, so `org-a` is 0); unknown names and orgs are refused. */
export function resolveOrgProfiles(orgIds: string[], choice: ProfileChoice): Map<string, OrgProfile> {
  const base = choice.profile === undefined ? defaultProfile : getProfile(choice.profile);
  for (const orgId of Object.keys(choice.orgProfiles ?? {})) {
    if (!orgIds.includes(orgId)) {
      throw new ChartbridgeError(
        'ERR_INVALID_INPUT',
        `sandbox profile for "${orgId.slice(0, 40)}": no such organisation (have ${orgIds.join(', ')})`,
      );
    }
  }
  const resolved = new Map<string, OrgProfile>();
  orgIds.forEach((orgId, index) => {
    const named = choice.orgProfiles?.[orgId];
    const profile = named === undefined ? base : getProfile(named);
    resolved.set(orgId, { ...profile, patientRead: !(profile.everythingOnly && index % 2 === 1) });
  });
  return resolved;
}

/** `epic`, `org-b=everything-only` (repeatable, as the CLI takes them) → a ProfileChoice. */
export function parseProfileFlags(values: string[]): ProfileChoice {
  const choice: ProfileChoice = {};
  for (const value of values) {
    const at = value.indexOf('=');
    if (at < 0) {
      if (choice.profile !== undefined) {
        throw new ChartbridgeError(
          'ERR_INVALID_INPUT',
          `--profile "${value.slice(0, 40)}": only one profile for the whole sandbox; name others as org=profile`,
        );
      }
      choice.profile = getProfile(value).name;
      continue;
    }
    const orgId = value.slice(0, at).trim();
    choice.orgProfiles = { ...choice.orgProfiles, [orgId]: getProfile(value.slice(at + 1).trim()).name };
  }
  return choice;
}
