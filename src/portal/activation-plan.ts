/**
 * Activation planning, shared by `chartbridge portal activate` and the browser-console activation script (which
 * bundles this file): it must stay plain functions with no imports and no Node APIs.
 *
 * Epic's `Approved` states (docs/epic-facts.md §6): 0 = not responded, 3 = non-production keys only, 1 = keys enabled.
 */
export type ActivationMode = 'jwks-url' | 'direct-jwks';
export type ActivationStep = 'nonprod' | 'prod' | 'direct';

export interface PortalDownload {
  orgId: string;
  orgName: string;
  approved: number;
  ecmId: string | null;
}

export interface PlannedOrg extends PortalDownload {
  steps: ActivationStep[];
  /** Epic's message from the last failed call in an earlier run, when there was one. */
  failedBefore: string | null;
}

export interface ActivationPlan {
  mode: ActivationMode;
  total: number;
  needsBoth: PlannedOrg[];
  needsProd: PlannedOrg[];
  failingBefore: PlannedOrg[];
  done: PortalDownload[];
  /** Left out by --only / --exclude. */
  filteredOut: number;
  /** Every organisation with work, in the order it will run. */
  work: PlannedOrg[];
  calls: number;
}

export interface PlanOptions {
  mode: ActivationMode;
  only?: string[];
  exclude?: string[];
  /** orgId → Epic's message of its last failure in an earlier run. */
  failures?: Record<string, string>;
}

/** One row of LoadDownloads (`Id` is "<orgId>_<appId>"). */
export function parseDownload(row: { Id?: unknown; OrgName?: unknown; Approved?: unknown; ECMId?: unknown }) {
  const id = typeof row.Id === 'string' ? row.Id : '';
  const separator = id.lastIndexOf('_');
  const orgId = separator > 0 ? id.slice(0, separator) : id;
  const approved = Number(row.Approved);
  if (!orgId || ![0, 1, 3].includes(approved)) return undefined;
  const download: PortalDownload = {
    orgId,
    orgName: typeof row.OrgName === 'string' ? row.OrgName : orgId,
    approved,
    ecmId: typeof row.ECMId === 'string' ? row.ECMId : null,
  };
  return download;
}

/** The calls an organisation still needs: two in JWK-Set-URL mode (non-production first), one in direct mode. */
export function stepsForApproved(approved: number, mode: ActivationMode): ActivationStep[] {
  if (approved === 1) return [];
  if (mode === 'direct-jwks') return ['direct'];
  return approved === 3 ? ['prod'] : ['nonprod', 'prod'];
}

/** Whether `--only` / `--exclude` keep an organisation; each entry matches an OrgId exactly or a name fragment. */
export function matchesFilters(org: PortalDownload, only: string[] = [], exclude: string[] = []): boolean {
  const matches = (pattern: string) =>
    pattern === org.orgId ||
    (!/^\d+$/.test(pattern) && org.orgName.toLowerCase().includes(pattern.toLowerCase()));
  if (only.length > 0 && !only.some(matches)) return false;
  return !exclude.some(matches);
}

export function planActivation(downloads: PortalDownload[], options: PlanOptions): ActivationPlan {
  const failures = options.failures ?? {};
  const plan: ActivationPlan = {
    mode: options.mode,
    total: downloads.length,
    needsBoth: [],
    needsProd: [],
    failingBefore: [],
    done: [],
    filteredOut: 0,
    work: [],
    calls: 0,
  };
  for (const download of downloads) {
    if (!matchesFilters(download, options.only, options.exclude)) {
      plan.filteredOut++;
      continue;
    }
    const steps = stepsForApproved(download.approved, options.mode);
    if (steps.length === 0) {
      plan.done.push(download);
      continue;
    }
    const org: PlannedOrg = { ...download, steps, failedBefore: failures[download.orgId] ?? null };
    if (org.failedBefore !== null) plan.failingBefore.push(org);
    else if (download.approved === 3) plan.needsProd.push(org);
    else plan.needsBoth.push(org);
  }
  // New organisations first, sites that failed before last: a still-unprovisioned site should not delay the rest.
  plan.work = [...plan.needsBoth, ...plan.needsProd, ...plan.failingBefore];
  plan.calls = plan.work.reduce((sum, org) => sum + org.steps.length, 0);
  return plan;
}

/** The form ApproveDownload expects for one step, with Epic's exact field names. */
export function buildApproveForm(
  orgId: string,
  appId: string,
  step: ActivationStep,
  jwks: string,
): Record<string, string> {
  return {
    OrgId: orgId,
    AppId: appId,
    Testhash: '',
    Testhash256: '',
    Prodhash: '',
    Prodhash256: '',
    NonProdOnly: String(step === 'nonprod'),
    ProdOnly: String(step === 'prod'),
    FhirIdGenerationScheme: '',
    OverrideNonProdClientId: '',
    OverrideProdClientId: '',
    TestJWKS: step === 'direct' ? jwks : '',
    ProdJWKS: step === 'direct' ? jwks : '',
  };
}

/** Reads an ApproveDownload answer: success needs both `Success` flags; otherwise Epic's message. */
export function readApproveAnswer(body: unknown): { ok: true } | { ok: false; message: string } {
  const answer = body as {
    Success?: unknown;
    Message?: unknown;
    Data?: { Success?: unknown; Message?: unknown };
  };
  if (answer?.Success === true && answer.Data?.Success === true) return { ok: true };
  const message = answer?.Success === true ? answer.Data?.Message : answer?.Message;
  return {
    ok: false,
    message: typeof message === 'string' && message ? message : 'the portal answered Success=false',
  };
}

/** One line per plan category, as both the CLI and the console script show it. */
export function describePlan(plan: ActivationPlan): string[] {
  return [
    `organisations: ${plan.total}${plan.filteredOut ? ` (${plan.filteredOut} left out by filters)` : ''}`,
    `needs non-production and production: ${plan.needsBoth.length}`,
    `needs production only: ${plan.needsProd.length}`,
    `failing before (retried): ${plan.failingBefore.length}`,
    `already done: ${plan.done.length}`,
    `calls to make (${plan.mode}): ${plan.calls}`,
  ];
}
