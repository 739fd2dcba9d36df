import type { RecordFidelity } from '../../src/testing/fidelity/measure-record.ts';

/** One patient on one profile: how its worker run ended and how much of its record survived. */
export interface PatientRow extends RecordFidelity {
  profile: string;
  username: string;
  run: { status: string; reason: string | null };
  /** Resources the sandbox serves this patient beyond the granted scopes. */
  outsideGrant: number;
}

export interface ProfileSummary {
  profile: string;
  patients: number;
  expected: number;
  stored: number;
  explained: number;
  silentLoss: number;
}

export interface FidelitySummary {
  profiles: ProfileSummary[];
  silentLossTotal: number;
  storedRatio: number;
}

function table(header: string[], lines: (string | number)[][]): string {
  const cells = [header, ...lines.map((line) => line.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  const render = (row: string[]) =>
    row
      .map((cell, i) => (/^-?[\d.]+$/.test(cell) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ');
  return [render(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(render)].join(
    '\n',
  );
}

/**
 * Prints, per patient, the run's status and the four numbers; per profile and type, where silent loss happened
 * (with `flagged`: missing where coverage names a reason but no count); then the per-profile totals. Returns the
 * summary the bench's last line is made of.
 */
export function printFidelityTable(rows: PatientRow[], profiles: string[]): FidelitySummary {
  console.log(
    table(
      ['profile', 'patient', 'run', 'expected', 'stored', 'explained', 'silentLoss', 'outsideGrant'],
      rows.map((r) => [
        r.profile,
        r.username,
        r.run.status,
        r.expected,
        r.stored,
        r.explained,
        r.silentLoss,
        r.outsideGrant,
      ]),
    ),
  );
  const lossByType = new Map<
    string,
    { expected: number; missing: number; explained: number; flagged: number }
  >();
  for (const row of rows) {
    for (const [type, t] of Object.entries(row.byType)) {
      const key = `${row.profile}\t${type}`;
      const sum = lossByType.get(key) ?? { expected: 0, missing: 0, explained: 0, flagged: 0 };
      sum.expected += t.expected;
      sum.missing += t.expected - t.stored;
      sum.explained += t.explained;
      sum.flagged += t.flagged;
      lossByType.set(key, sum);
    }
  }
  const losing = [...lossByType].filter(([, s]) => s.missing > s.explained);
  if (losing.length > 0) {
    console.log('\nwhere the silent loss is (flagged: coverage names a reason for the type, but no count)');
    console.log(
      table(
        ['profile', 'type', 'expected', 'missing', 'explained', 'silentLoss', 'flagged'],
        losing.map(([key, s]) => [
          ...key.split('\t'),
          s.expected,
          s.missing,
          s.explained,
          s.missing - s.explained,
          s.flagged,
        ]),
      ),
    );
  }
  const summaries = profiles.map((profile) => {
    const mine = rows.filter((r) => r.profile === profile);
    const sum = (pick: (r: PatientRow) => number) => mine.reduce((total, r) => total + pick(r), 0);
    return {
      profile,
      patients: mine.length,
      expected: sum((r) => r.expected),
      stored: sum((r) => r.stored),
      explained: sum((r) => r.explained),
      silentLoss: sum((r) => r.silentLoss),
    };
  });
  console.log('\nper profile');
  console.log(
    table(
      ['profile', 'patients', 'expected', 'stored', 'explained', 'silentLoss'],
      summaries.map((s) => [s.profile, s.patients, s.expected, s.stored, s.explained, s.silentLoss]),
    ),
  );
  const expected = summaries.reduce((total, s) => total + s.expected, 0);
  const stored = summaries.reduce((total, s) => total + s.stored, 0);
  return {
    profiles: summaries,
    silentLossTotal: summaries.reduce((total, s) => total + s.silentLoss, 0),
    storedRatio: expected === 0 ? 0 : Number((stored / expected).toFixed(4)),
  };
}
