import { randomBytes } from 'node:crypto';

/**
 * The developer-portal double's memory: one app's "downloads" (one per organisation), the browser sessions, the
 * app's selected APIs, and call counters. Counters are what tests and the benchmark use to prove that every
 * organisation was activated exactly once.
 */
export type ApprovedState = 0 | 3 | 1;
export type ApproveStep = 'nonprod' | 'prod' | 'direct';

export interface PortalOrg {
  orgId: string;
  orgName: string;
  ecmId: string;
  approved: ApprovedState;
  /** Sites that are never provisioned: every approval answers "Failed to register client for download.". */
  alwaysFails: boolean;
  /** JWKS uploaded directly (direct mode), kept to show what the site would use. */
  testJwks: string | null;
  prodJwks: string | null;
}

export interface PortalSession {
  id: string;
  verificationToken: string;
  expiresAt: number;
}

export interface OrgCallCounts {
  /** Every ApproveDownload request that named this organisation and passed the session checks. */
  calls: number;
  /** Requests that changed state, per step. More than one per step is a duplicate. */
  succeeded: Record<ApproveStep, number>;
  /** Requests that succeeded but changed nothing (the step was already done): the duplicates. */
  redundant: number;
}

export interface PortalStats {
  orgs: number;
  activated: number;
  loadCalls: number;
  approveCalls: number;
  rateLimited: number;
  duplicateCalls: number;
}

export interface PortalStateOptions {
  appId: string;
  orgCount: number;
  /** How many organisations (spread evenly) always fail to register; default 0. */
  failingOrgCount?: number;
  /** Organisations that start with non-production keys already enabled (Approved 3) and done (Approved 1). */
  startNonProd?: number;
  startDone?: number;
  sessionTtlMs?: number;
  now?: () => number;
}

export interface PortalState {
  readonly appId: string;
  readonly orgs: Map<string, PortalOrg>;
  readonly counts: Map<string, OrgCallCounts>;
  readonly selectedApiIds: Set<string>;
  counters: { loadCalls: number; approveCalls: number; rateLimited: number };
  /** A signed-in browser session, as the sign-in page creates it: cookie value and verification token. */
  createSession(): PortalSession;
  findSession(id: string | undefined): PortalSession | undefined;
  /** Makes every current session expired (tests of the "copy the cookie again" message). */
  expireSessions(): void;
  /** Adds organisations that appeared since the last run (the list grows daily). */
  addOrgs(count: number): PortalOrg[];
  countsFor(orgId: string): OrgCallCounts;
  stats(): PortalStats;
  sessionCookieName: string;
  now(): number;
}

export function createPortalState(options: PortalStateOptions): PortalState {
  const now = options.now ?? Date.now;
  const ttl = options.sessionTtlMs ?? 8 * 60 * 60 * 1000;
  const orgs = new Map<string, PortalOrg>();
  const counts = new Map<string, OrgCallCounts>();
  const failingEvery = failingStride(options.orgCount, options.failingOrgCount ?? 0);

  const state: PortalState = {
    appId: options.appId,
    orgs,
    counts,
    selectedApiIds: new Set(),
    counters: { loadCalls: 0, approveCalls: 0, rateLimited: 0 },
    sessionCookieName: 'EpicOnFhirSession',
    now,
    ...createSessionBook(ttl, now),
    addOrgs(count) {
      const added: PortalOrg[] = [];
      for (let i = 0; i < count; i++) added.push(addOrg(orgs, orgs.size, false));
      return added;
    },
    countsFor(orgId) {
      let entry = counts.get(orgId);
      if (!entry) {
        entry = { calls: 0, succeeded: { nonprod: 0, prod: 0, direct: 0 }, redundant: 0 };
        counts.set(orgId, entry);
      }
      return entry;
    },
    stats: () => computeStats(orgs, counts, state.counters),
  };
  for (let i = 0; i < options.orgCount; i++) {
    const org = addOrg(orgs, i, failingEvery > 0 && i % failingEvery === failingEvery - 1);
    if (i < (options.startDone ?? 0)) org.approved = 1;
    else if (i < (options.startDone ?? 0) + (options.startNonProd ?? 0)) org.approved = 3;
  }
  return state;
}

function createSessionBook(ttl: number, now: () => number) {
  const sessions = new Map<string, PortalSession>();
  return {
    createSession(): PortalSession {
      const session = {
        id: randomBytes(18).toString('base64url'),
        verificationToken: randomBytes(48).toString('base64url'),
        expiresAt: now() + ttl,
      };
      sessions.set(session.id, session);
      return session;
    },
    findSession(id: string | undefined): PortalSession | undefined {
      const session = id ? sessions.get(id) : undefined;
      return session && session.expiresAt > now() ? session : undefined;
    },
    expireSessions(): void {
      for (const session of sessions.values()) session.expiresAt = 0;
    },
  };
}

// A duplicate is a successful call for a step that was already done (a correct client never sends one).
function computeStats(
  orgs: Map<string, PortalOrg>,
  counts: Map<string, OrgCallCounts>,
  counters: PortalState['counters'],
): PortalStats {
  let activated = 0;
  for (const org of orgs.values()) if (org.approved === 1) activated++;
  let duplicateCalls = 0;
  for (const entry of counts.values()) {
    duplicateCalls += entry.redundant;
    for (const n of Object.values(entry.succeeded)) duplicateCalls += Math.max(0, n - 1);
  }
  return { orgs: orgs.size, activated, duplicateCalls, ...counters };
}

function failingStride(orgCount: number, failing: number): number {
  return failing > 0 ? Math.max(1, Math.floor(orgCount / failing)) : 0;
}

// Epic OrgIds are small integers; ECMIds are opaque. Both are deterministic so runs are comparable.
function addOrg(orgs: Map<string, PortalOrg>, index: number, alwaysFails: boolean): PortalOrg {
  const orgId = String(1000 + index * 7);
  const org: PortalOrg = {
    orgId,
    orgName: `${ORG_WORDS[index % ORG_WORDS.length]} Health System ${index + 1}`,
    ecmId: `ECM${(index * 7919 + 104729).toString(36).toUpperCase()}`,
    approved: 0,
    alwaysFails,
    testJwks: null,
    prodJwks: null,
  };
  orgs.set(orgId, org);
  return org;
}

const ORG_WORDS = ['Riverside', 'Lakeshore', 'Summit', 'Prairie', 'Harbor', 'Valley', 'Northwind', 'Cedar'];
