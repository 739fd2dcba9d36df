import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testDialects } from '../../testing/databases.ts';
import type { CoverageJson } from '../../testing/fidelity/coverage-drops.ts';
import { startFidelityApp, type FidelityApp } from '../../testing/fidelity/fidelity-app.ts';
import { fidelityProfiles } from '../../testing/fidelity/profile-sandbox.ts';

/** One patient on one profile: the exact size of the record the grant allows, and what coverage must say. */
interface PatientCase {
  size: number;
  /** Per type: how many expected resources are dropped, and a pattern their reason in coverage must match. */
  drops?: Record<string, { count: number; reason: RegExp }>;
  /** Reasons coverage must give for entries, references or attachments not stored (the run is then partial). */
  notStored?: RegExp[];
}

/**
 * One row per sandbox profile. The patients: uscore_bundle_patient_85 (every US Core type the sandbox holds:
 * Provenance, RelatedPerson, Media, Specimen, Coverage, documents with attachments) and a Synthea patient (claims,
 * so a payer profile serves ExplanationOfBenefit and Coverage). Sizes are the sandbox's expectedRecord under the
 * scopes chartbridge is granted; attachments that always fail are not part of it (the server never hands them
 * out), but coverage must name them.
 */
const usCore = { size: 313 };
const synthea = { size: 87 };
const cases: Record<string, Record<string, PatientCase>> = {
  epic: { lucienbosco: { size: 310 }, christianbalistreri: { size: 86 } },
  'category-required': { lucienbosco: usCore, christianbalistreri: synthea },
  'case-shifted-links': { lucienbosco: usCore, christianbalistreri: synthea },
  'sparse-capability': { lucienbosco: usCore, christianbalistreri: synthea },
  'sparse-capability-401': { lucienbosco: usCore, christianbalistreri: synthea },
  'sparse-capability-500': { lucienbosco: usCore, christianbalistreri: synthea },
  'everything-only': { lucienbosco: { size: 307 }, christianbalistreri: { size: 92 } },
  'smart-v2': { lucienbosco: usCore, christianbalistreri: synthea },
  'flaky-attachments': {
    lucienbosco: {
      size: 287,
      notStored: [/http 500 after retries/, /refused by the server \(http 403\)/, /outside the fhir base/],
    },
    christianbalistreri: { size: 86 },
  },
};

/** Every reason coverage gives for something not stored: entries' drop reasons, then both phases'. */
function notStoredReasons(coverage: CoverageJson): string[] {
  return [
    ...(coverage.entries ?? []).flatMap((entry) => entry.dropReasons ?? []),
    ...(coverage.references?.reasons ?? []),
    ...(coverage.attachments?.reasons ?? []),
  ].map((drop) => drop.reason);
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
    const patients = cases[profile];
    test(`sandbox profile ${profile}: the whole granted record is stored, or dropped with its reason (${dialect})`, async (t) => {
      assert.ok(patients, `profile '${profile}' has no row in this test's table: add one`);
      const fidelity = await startFidelityApp({ profile, dialect });
      try {
        for (const [username, patient] of Object.entries(patients)) {
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
            const reasons = notStoredReasons(coverage);
            const named = [...Object.values(drops).map((d) => d.reason), ...(patient.notStored ?? [])];
            for (const pattern of named)
              assert.ok(
                reasons.some((r) => pattern.test(r)),
                `${pattern} among: ${reasons.join('; ')}`,
              );
            const partial = named.length > 0;
            assert.equal((coverage.dropped ?? 0) > 0, partial, `coverage counts ${coverage.dropped} dropped`);
            assert.equal(run.status, partial ? 'partial' : 'succeeded', run.reason ?? '');
          });
        }
        await fidelity.app.assertNoSecretsLeaked();
      } finally {
        await fidelity.close();
      }
    });
  }
}
