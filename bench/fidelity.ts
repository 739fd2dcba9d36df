/**
 * `npm run bench:fidelity [-- --profiles epic,… --max-patients N --timeout-seconds 120]`
 *
 * Silent loss, measured. For every sandbox profile and every fixture patient the sandbox loads: connect the patient
 * through the real connect flow (auto-approve), let a real worker (in this process, on SQLite) run the first sync
 * job, then compare chartbridge's store with what the sandbox holds for that patient under the grant:
 *   expected   resources the sandbox would serve this grant (src/testing/fidelity/profile-sandbox.ts)
 *   stored     of those, how many chartbridge stored (resources; Binary with its bytes)
 *   explained  of the missing, how many GET /api/connections/:id/coverage counts as dropped with a reason — per
 *              type, so one type's dropped count never explains another type's loss
 *   silentLoss expected − stored − explained
 * The table also shows, per patient, what the sandbox would serve beyond the grant (types chartbridge never asked
 * scopes for): not part of `expected`, but not nothing either.
 * Progress goes to stderr; the table and, as the last line, one JSON object go to stdout:
 * {"profiles":[{"profile","patients","expected","stored","explained","silentLoss"}],"silentLossTotal","storedRatio"}
 */
import { parseArgs } from 'node:util';
import { buildLaunchScope } from '../src/smart/authorize-url.ts';
import { startFidelityApp, type FidelityApp } from '../src/testing/fidelity/fidelity-app.ts';
import type { RecordFidelity } from '../src/testing/fidelity/measure-record.ts';
import { expectedRecordOf, fidelityProfiles } from '../src/testing/fidelity/profile-sandbox.ts';
import { printFidelityTable, type PatientRow } from './lib/fidelity-table.ts';

const { values } = parseArgs({
  options: {
    profiles: { type: 'string', default: fidelityProfiles.join(',') },
    'max-patients': { type: 'string', default: '0' },
    'timeout-seconds': { type: 'string', default: '120' },
  },
});
const profiles = values.profiles.split(',').filter(Boolean);
const maxPatients = Number(values['max-patients']);
const timeoutMs = Number(values['timeout-seconds']) * 1000;
const say = (line: string) => process.stderr.write(`${line}\n`);
const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(1);

interface SandboxPatientRef {
  orgId: string;
  username: string;
  patientId: string;
}

/** Every sandbox patient, or an even sample of `max` of them (the same on every profile). */
function pickPatients(fidelity: FidelityApp): { patients: SandboxPatientRef[]; of: number } {
  const all = fidelity.app.sandbox.data
    .organizations()
    .flatMap((org) => org.patients.map((p) => ({ orgId: org.id, username: p.username, patientId: p.id })));
  if (!(maxPatients > 0) || all.length <= maxPatients) return { patients: all, of: all.length };
  const step = all.length / maxPatients;
  return {
    patients: Array.from({ length: maxPatients }, (_, i) => all[Math.floor(i * step)]!),
    of: all.length,
  };
}

/** A patient that could not even be connected lost its whole record: everything expected is silent loss. */
function unconnected(fidelity: FidelityApp, patient: SandboxPatientRef): RecordFidelity {
  const scopes = buildLaunchScope().split(' ');
  const expected = expectedRecordOf(fidelity.app.sandbox, { ...patient, scopes }).length;
  return { expected, stored: 0, explained: 0, silentLoss: expected, byType: {} };
}

async function runProfile(profile: string): Promise<PatientRow[]> {
  const started = performance.now();
  const fidelity = await startFidelityApp({ profile, dialect: 'sqlite', concurrency: 2 });
  say(`${profile}: sandbox, chartbridge and worker started (${seconds(started)} s)`);
  const rows: PatientRow[] = [];
  try {
    const { patients, of } = pickPatients(fidelity);
    if (patients.length < of)
      say(`${profile}: sampled ${patients.length} of ${of} patients (--max-patients)`);
    // Connect everyone first: the worker syncs while later patients sign in, as on a live server.
    const connections = [];
    for (const [index, patient] of patients.entries()) {
      try {
        const connectionId = await fidelity.connect({ userId: `fidelity-${index}`, ...patient });
        connections.push({ patient, connectionId, error: null });
      } catch (error) {
        connections.push({ patient, connectionId: null, error: String(error).slice(0, 200) });
      }
    }
    const connected = connections.filter((c) => c.connectionId).length;
    say(`${profile}: ${connected}/${patients.length} connected (${seconds(started)} s since start)`);
    for (const { patient, connectionId, error } of connections) {
      const t0 = performance.now();
      let run: { status: string; reason: string | null } = { status: 'not connected', reason: error };
      let record = unconnected(fidelity, patient);
      if (connectionId) {
        run = await fidelity.waitForRun(connectionId, timeoutMs).catch(() => ({
          status: 'not finished',
          reason: `no run ended within ${timeoutMs / 1000} s`,
        }));
        record = await fidelity.measure({ ...patient, connectionId });
      }
      // What the server holds beyond the grant: a scope chartbridge never asked for loses it too, if not silently.
      const whole = expectedRecordOf(fidelity.app.sandbox, { ...patient, scopes: [] }).length;
      rows.push({
        profile,
        username: patient.username,
        run,
        outsideGrant: whole - record.expected,
        ...record,
      });
      say(
        `${profile} ${patient.username}: run ${run.status}, expected ${record.expected}, stored ${record.stored}, ` +
          `explained ${record.explained}, silent loss ${record.silentLoss} (${seconds(t0)} s)`,
      );
    }
  } finally {
    await fidelity.close();
  }
  say(`${profile}: done in ${seconds(started)} s`);
  return rows;
}

const benchStarted = performance.now();
const rows: PatientRow[] = [];
for (const profile of profiles) rows.push(...(await runProfile(profile)));
const summary = printFidelityTable(rows, profiles);
say(`bench:fidelity: ${seconds(benchStarted)} s in all`);
console.log(JSON.stringify(summary));
