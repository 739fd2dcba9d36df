import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testDialects } from '../../testing/databases.ts';
import type { CoverageJson } from '../../testing/fidelity/coverage-drops.ts';
import { startFidelityApp, type FidelityApp } from '../../testing/fidelity/fidelity-app.ts';
import { fidelityProfiles } from '../../testing/fidelity/profile-sandbox.ts';

/** One patient on one profile: the exact size of the record the grant allows, and what may be dropped, why. */
interface PatientCase {
  size: number;
  /** Per type: how many are dropped, and a pattern their reason in coverage must match. */
  drops?: Record<string, { count: number; reason: RegExp }>;
}

/**
 * One row per sandbox profile. The patients: uscore_bundle_patient_85 (every US Core type the sandbox holds:
 * Provenance, RelatedPerson, Media, Specimen, Coverage, documents with attachments) and a Synthea patient (claims,
 * so a payer profile serves ExplanationOfBenefit).
 */
const cases: Record<string, Record<string, PatientCase>> = {
  epic: { lucienbosco: { size: 309 }, christianbalistreri: { size: 86 } },
};

/** What coverage says about a type's drops: its queries' reasons, and for Binary the attachments summary. */
function dropReasonsOf(coverage: CoverageJson, type: string): string[] {
  const reasons = (coverage.entries ?? [])
    .filter((entry) => entry.resourceType === type && (entry.dropped ?? 0) > 0)
    .map((entry) => JSON.stringify(entry.dropReasons ?? entry.reason));
  if (type === 'Binary' && coverage.attachments) reasons.push(JSON.stringify(coverage.attachments));
  return reasons;
}

async function syncAndMeasure(fidelity: FidelityApp, username: string) {
  const org = fidelity.app.sandbox.data
    .organizations()
    .find((o) => o.patients.some((p) => p.username === username));
  assert.ok(org, `sandbox patient '${username}'`);
  const connectionId = await fidelity.connect({ userId: `profile-${username}`, orgId: org.id, username });
  const run = await fidelity.waitForRun(connectionId, 60_000);
  const patientId = org.patients.find((p) => p.username === username)!.id;
  const record = await fidelity.measure({ orgId: org.id, patientId, connectionId });
  const response = await fidelity.app.api(`/api/connections/${connectionId}/coverage`);
  assert.equal(response.status, 200);
  return { run, record, coverage: (await response.json()) as CoverageJson };
}

for (const dialect of testDialects) {
  for (const profile of fidelityProfiles) {
    const expectation = cases[profile];
    test(`sandbox profile ${profile}: the whole granted record is stored, or dropped with its reason (${dialect})`, async (t) => {
      assert.ok(expectation, `profile '${profile}' has no row in this test's table: add one`);
      const fidelity = await startFidelityApp({ profile, dialect });
      try {
        for (const [username, patient] of Object.entries(expectation)) {
          await t.test(username, async () => {
            const { run, record, coverage } = await syncAndMeasure(fidelity, username);
            const drops = patient.drops ?? {};
            assert.equal(record.expected, patient.size, 'the record the grant allows');
            const perType = Object.entries(record.byType).map(([type, t]) => [type, t.stored, t.explained]);
            const wanted = Object.entries(record.byType).map(([type, t]) => {
              const dropped = Math.min(t.expected, drops[type]?.count ?? 0);
              return [type, t.expected - dropped, dropped];
            });
            assert.deepEqual(perType, wanted, 'per type: [type, stored, explained by coverage]');
            assert.equal(record.silentLoss, 0);
            for (const [type, drop] of Object.entries(drops)) {
              const reasons = dropReasonsOf(coverage, type);
              assert.ok(
                reasons.some((r) => drop.reason.test(r)),
                `${type} dropped because ${reasons.join('; ')}`,
              );
            }
            assert.equal(
              run.status,
              Object.keys(drops).length > 0 ? 'partial' : 'succeeded',
              run.reason ?? '',
            );
          });
        }
        await fidelity.app.assertNoSecretsLeaked();
      } finally {
        await fidelity.close();
      }
    });
  }
}
