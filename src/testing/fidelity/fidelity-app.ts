import { startWorker } from '../../jobs/start-worker.ts';
import type { DialectName } from '../../store/database.ts';
import { startConnectedApp, type ConnectedApp } from '../connected-app.ts';
import { waitFor } from '../wait-for.ts';
import type { CoverageJson } from './coverage-drops.ts';
import { measureRecord, type RecordFidelity } from './measure-record.ts';
import { consentFor, expectedRecordOf, sandboxOptionsFor } from './profile-sandbox.ts';

/** Run statuses a worker's attempt ends in (`retryable`: paused, the job retries later). */
const endedStatuses = ['succeeded', 'partial', 'failed', 'retryable'];

export interface FidelityApp {
  app: ConnectedApp;
  profile: string;
  /** Connects the patient through the real connect flow (their consent: consentFor); the first sync is queued. */
  connect(input: { userId: string; orgId: string; username: string }): Promise<string>;
  /** Waits until the worker's attempt at the connection's sync ended; returns the run's status and reason. */
  waitForRun(connectionId: string, timeoutMs?: number): Promise<{ status: string; reason: string | null }>;
  /** The connection's record against what the sandbox holds for the patient under the grant it issued. */
  measure(input: { orgId: string; patientId: string; connectionId: string }): Promise<RecordFidelity>;
  close(): Promise<void>;
}

/**
 * The sandbox on one profile, chartbridge on a fresh database, and a real worker in the same process (the
 * job path `chartbridge serve --with-worker` uses: queue, leases, host slots, page fences, retries).
 */
export async function startFidelityApp(input: {
  profile: string;
  dialect: DialectName;
  concurrency?: number;
}): Promise<FidelityApp> {
  const app = await startConnectedApp({
    dialect: input.dialect,
    sandboxOptions: sandboxOptionsFor(input.profile),
  });
  const worker = await startWorker(app.services, {
    schedule: false,
    concurrency: input.concurrency ?? 2,
    graceMs: 5000,
  }).catch(async (error: unknown) => {
    await app.close();
    throw error;
  });
  const getJson = async <T>(path: string): Promise<T> => {
    const response = await app.api(path);
    if (response.status !== 200) throw new Error(`${path}: http ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  return {
    app,
    profile: input.profile,
    async connect({ userId, orgId, username }) {
      // Patients connect one at a time: the consent a patient gives holds for their launch only.
      const index = app.sandbox.data.organization(orgId)?.patients.findIndex((p) => p.username === username);
      app.sandbox.auth.setConsent(consentFor(input.profile, index ?? 0));
      try {
        return await app.connectPatient(userId, { orgId, username });
      } finally {
        app.sandbox.auth.setConsent(undefined);
      }
    },
    async waitForRun(connectionId, timeoutMs = 120_000) {
      return waitFor(
        async () => {
          const { runs } = await getJson<{ runs: { status: string; reason: string | null }[] }>(
            `/api/connections/${connectionId}/sync-runs`,
          );
          const latest = runs[0];
          return latest && endedStatuses.includes(latest.status) ? latest : undefined;
        },
        { timeoutMs, intervalMs: 100, what: `the worker's sync of connection ${connectionId}` },
      );
    },
    async measure({ orgId, patientId, connectionId }) {
      // The scopes the EHR granted, from the EHR's side: a token response may leave `scope` out.
      const grant = app.sandbox.tokens.grants({ orgId, patientId }).findLast((g) => g.active);
      if (!grant) throw new Error(`the sandbox holds no active grant for a patient of ${orgId}`);
      const expected = expectedRecordOf(app.sandbox, { orgId, patientId, scopes: grant.scopes });
      const coverage = await getJson<CoverageJson>(`/api/connections/${connectionId}/coverage`);
      const binaryBytes = (id: string) => {
        const data = app.sandbox.data.read(orgId, 'Binary', id)?.data;
        return typeof data === 'string' ? Buffer.from(data, 'base64') : undefined;
      };
      return measureRecord({ db: app.services.store.db, connectionId, expected, coverage, binaryBytes });
    },
    async close() {
      await worker.stop();
      await app.close();
    },
  };
}
