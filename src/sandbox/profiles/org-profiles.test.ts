import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseProfileFlags, resolveOrgProfiles } from './org-profiles.ts';

describe('sandbox profile choice', () => {
  it('reads one bare profile and any number of org=profile flags', () => {
    assert.deepEqual(
      parseProfileFlags(['category-required', 'org-b=everything-only', 'org-c = flaky-attachments']),
      {
        profile: 'category-required',
        orgProfiles: { 'org-b': 'everything-only', 'org-c': 'flaky-attachments' },
      },
    );
    assert.deepEqual(parseProfileFlags([]), {});
  });

  it('refuses unknown profiles and a second bare profile, naming the fix', () => {
    assert.throws(() => parseProfileFlags(['nope']), {
      message:
        'sandbox profile "nope" is unknown: use one of epic, category-required, case-shifted-links, sparse-capability, sparse-capability-401, sparse-capability-500, everything-only, flaky-attachments, smart-v2',
    });
    assert.throws(() => parseProfileFlags(['epic', 'sparse-capability']), {
      message:
        '--profile "sparse-capability": only one profile for the whole sandbox; name others as org=profile',
    });
  });

  it('resolves per organisation: epic by default, no Patient read on odd-positioned payers', () => {
    const profiles = resolveOrgProfiles(['org-a', 'org-b', 'org-c'], {
      orgProfiles: { 'org-b': 'everything-only' },
    });
    assert.deepEqual(
      [...profiles.values()].map((profile) => [
        profile.name,
        profile.vendor,
        profile.kind,
        profile.patientRead,
      ]),
      [
        ['epic', 'epic', 'provider', true],
        ['everything-only', 'generic', 'payer', false],
        ['epic', 'epic', 'provider', true],
      ],
    );
    assert.throws(() => resolveOrgProfiles(['org-a'], { orgProfiles: { 'org-z': 'epic' } }), {
      message: 'sandbox profile for "org-z": no such organisation (have org-a)',
    });
  });
});
