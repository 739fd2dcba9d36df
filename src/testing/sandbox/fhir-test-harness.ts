import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createManualClock } from '../../clock.ts';
import { createFaults, type Faults } from '../../sandbox/faults.ts';
import type { AccessTokenInfo, SandboxDataStore } from '../../sandbox/model.ts';
import { createRequestLog, type RequestLog } from '../../sandbox/request-log.ts';
import { createFhirApp, type FhirAppDeps } from '../../sandbox/fhir/fhir-app.ts';

/**
 * For tests: the FHIR app behind the request log and faults on a real HTTP server (127.0.0.1, port 0), with a
 * token table standing in for the authorization server and a manual clock.
 */
export interface FhirHarness {
  origin: string;
  fhirBase(orgId: string): string;
  /** Issues a token for a patient (defaults: client `test-client`, one hour, no scopes). */
  issueToken(info: Partial<AccessTokenInfo> & { orgId: string; patientId: string }): string;
  revokeToken(token: string): void;
  grantApis(clientId: string, labels: string[]): void;
  clock: ReturnType<typeof createManualClock>;
  log: RequestLog;
  faults: Faults;
  close(): Promise<void>;
}

export async function startFhirHarness(
  data: SandboxDataStore,
  opts: Pick<FhirAppDeps, 'pageSize' | 'maxPageSize' | 'sessionTtlMs'> & {
    sleep?: (ms: number) => Promise<void>;
  } = {},
): Promise<FhirHarness> {
  const clock = createManualClock(Date.UTC(2026, 2, 1));
  const tokens = new Map<string, AccessTokenInfo>();
  const grants = new Map<string, string[]>();
  const log = createRequestLog({ now: () => clock.now() });
  const { sleep, ...appOptions } = opts;
  const faults = createFaults(sleep ? { sleep } : {});
  const fhir = createFhirApp({
    data,
    clock,
    lookupAccessToken: (token) => tokens.get(token),
    clientGrants: (clientId) => grants.get(clientId) ?? [],
    ...appOptions,
  });
  const app = new Hono();
  app.use('*', log.middleware);
  app.use('*', faults.middleware);
  app.route('/:orgId/api/FHIR/R4', fhir);
  const server = await new Promise<Server>((resolve) => {
    const started = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () =>
      resolve(started as Server),
    );
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    fhirBase: (orgId) => `${origin}/${orgId}/api/FHIR/R4`,
    issueToken(info) {
      const token = randomBytes(24).toString('base64url');
      tokens.set(token, { clientId: 'test-client', scopes: [], expiresAt: clock.now() + 3600_000, ...info });
      return token;
    },
    revokeToken: (token) => void tokens.delete(token),
    grantApis: (clientId, labels) => void grants.set(clientId, labels),
    clock,
    log,
    faults,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
