import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../../src/clock.ts';
import { createHostLimiter } from '../../src/fhir/host-limiter.ts';
import { createSilentLogger } from '../../src/log/logger.ts';
import type { Store } from '../../src/store/database.ts';
import type { SyncServices } from '../../src/sync/run-sync.ts';
import type { BenchScenario, ServerReport } from './sandbox-server.ts';

/**
 * The sandbox's FHIR server in a child process, as an EHR is a machine of its own: its CPU does not compete
 * with the client being measured. Bearer tokens are `{orgId}~{patientId}` (sandbox-server.ts).
 */
export interface BenchFhirServer {
  /** What the server reported when it started. */
  started: ServerReport;
  /** A fresh report (request counters, peak concurrency); `clear` then empties the request log. */
  report(options?: { clear?: boolean }): Promise<ServerReport>;
  close(): void;
}

export async function startBenchFhirServer(scenario: BenchScenario): Promise<BenchFhirServer> {
  const entry = fileURLToPath(new URL('../sync.ts', import.meta.url));
  const child: ChildProcess = fork(entry, ['--serve-sandbox', JSON.stringify(scenario)], {
    execArgv: ['--import', 'tsx'],
    stdio: 'inherit',
  });
  const nextReport = () =>
    new Promise<ServerReport>((resolve) => child.once('message', (m) => resolve(m as ServerReport)));
  const started = await nextReport();
  return {
    started,
    report(options = {}) {
      const reply = nextReport();
      child.send(options.clear ? 'clear' : 'report');
      return reply;
    },
    close: () => child.disconnect(),
  };
}

/**
 * A connection `id` to the server's first patient, and the services a sync of it needs: the bench token from a
 * stand-in vault, a silent log, the default per-host limit of 5.
 */
export async function connectFirstPatient(
  server: BenchFhirServer,
  store: Store,
  connection: { id: string; scope: string },
): Promise<{ fhirBase: string; patientId: string; token: string; services: SyncServices }> {
  const { orgId, patientId } = server.started.patients[0]!;
  const token = `${orgId}~${patientId}`;
  const fhirBase = `${server.started.origin}/${orgId}/api/FHIR/R4`;
  await insertBareConnection(store, { ...connection, fhirBase, patientId });
  const services: SyncServices = {
    store,
    clock: systemClock,
    log: createSilentLogger(),
    fetch,
    vault: { getAccessToken: async () => token, refreshAfterRejection: async () => token },
    hostLimiter: createHostLimiter(),
  };
  return { fhirBase, patientId, token, services };
}

/** A bare active connection row (no user, directory entry or tokens): all a sync against the bench server needs. */
async function insertBareConnection(
  store: Store,
  connection: { id: string; fhirBase: string; patientId: string; scope: string },
): Promise<void> {
  const now = Date.now();
  store.sqlite?.pragma('foreign_keys = OFF');
  await store.db
    .insertInto('connections')
    .values({
      id: connection.id,
      user_id: 'u',
      endpoint_id: 'e',
      fhir_base: connection.fhirBase,
      issuer: 'x',
      token_endpoint: 'x',
      revocation_endpoint: null,
      introspection_endpoint: null,
      client_id: 'bench',
      patient_id: connection.patientId,
      fhir_user: null,
      scope: connection.scope,
      access_token_sealed: null,
      refresh_token_sealed: null,
      token_version: 1,
      access_expires_at: null,
      persistent_access_ends_at: null,
      refreshable: 0,
      status: 'active',
      status_reason: null,
      refresh_lease_owner: null,
      refresh_lease_until: null,
      last_sync_at: null,
      created_at: now,
      updated_at: now,
      refresh_retry_at: null,
    })
    .execute();
}

/**
 * Reads first pages of a few of the patient's searches, five at a time, twice, then clears the request log. An
 * EHR is a server that has been up for weeks and a worker has synced patients before: both are warm (compiled
 * code, open sockets). Measured cold, whichever client ran first would also pay for starting the server and the
 * HTTP stack; warmed, both clients are measured alike.
 */
export async function warmUp(
  server: BenchFhirServer,
  target: { fhirBase: string; patientId: string; token: string },
): Promise<void> {
  const searches = [
    'Observation?category=laboratory&',
    'Encounter?',
    'DiagnosticReport?',
    'Condition?',
    'Procedure?',
  ];
  for (let round = 0; round < 2; round += 1) {
    await Promise.all(
      searches.map(async (search) => {
        const url = `${target.fhirBase}/${search}patient=${encodeURIComponent(target.patientId)}&_count=50`;
        const response = await fetch(url, { headers: { authorization: `Bearer ${target.token}` } });
        await response.arrayBuffer();
      }),
    );
  }
  await server.report({ clear: true });
}
