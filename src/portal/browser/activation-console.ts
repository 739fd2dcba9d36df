import {
  buildApproveForm,
  describePlan,
  parseDownload,
  planActivation,
  readApproveAnswer,
  type ActivationStep,
  type PlannedOrg,
  type PortalDownload,
} from '../activation-plan.ts';
import { browserWindow, sleep } from './dom.ts';

/**
 * Browser-console activation script (bundled by console-scripts.ts) for "Review & Manage Downloads": the same
 * plan as `chartbridge portal activate --jwks-url`, a confirmation, a sessionStorage journal written before and
 * after every call (so pasting it again after a reload or a crash never repeats a successful call), pacing with
 * backoff, and a summary table. The summary stays in sessionStorage and on `window.chartbridgeActivationResult`.
 */
export interface ConsoleJournal {
  succeeded: Record<string, true>;
  failures: Record<string, string>;
  pending: Record<string, true>;
}

export interface ConsoleSummary {
  appId: string;
  planned: number;
  succeededCalls: number;
  failures: { orgId: string; orgName: string; step: ActivationStep; message: string }[];
  status: 'completed' | 'nothing-to-do' | 'declined';
}

export interface ConsoleConfig {
  pacingMs: number;
  pageSize: number;
  reload: boolean;
  /** RSA public JWKS JSON for direct mode (one call per organisation); null for JWK-Set-URL mode. */
  jwks: string | null;
}

interface ConsoleRun {
  base: string;
  appId: string;
  key: string;
  journal: ConsoleJournal;
  config: ConsoleConfig;
  summary: ConsoleSummary;
}

export async function runActivationConsole(config: ConsoleConfig) {
  const win = browserWindow();
  const appId = /[?&]id=(\d+)/i.exec(win.location.search)?.[1];
  if (!appId)
    throw new Error('[chartbridge] open Review & Manage Downloads (the URL has ?id=<app id>) first');
  const base = win.location.pathname.replace(/\/Developer\/.*$/i, '');
  const key = `chartbridgeActivation:${appId}`;
  const journal = readJournal(key);
  const downloads = await loadAll(base, appId, config.pageSize);
  const mode = config.jwks ? 'direct-jwks' : 'jwks-url';
  const plan = planActivation(downloads, { mode, failures: journal.failures });
  describePlan(plan).forEach((line) => win.console.log(`[chartbridge] ${line}`));
  const summary: ConsoleSummary = {
    appId,
    planned: plan.calls,
    succeededCalls: 0,
    failures: [],
    status: 'completed',
  };
  if (plan.calls === 0) summary.status = 'nothing-to-do';
  else if (
    !win.confirm(`chartbridge will make ${plan.calls} calls:\n${describePlan(plan).join('\n')}\n\nProceed?`)
  ) {
    summary.status = 'declined';
  } else {
    const run: ConsoleRun = { base, appId, key, journal, config, summary };
    for (const org of plan.work) {
      for (const step of org.steps) if (!(await runStep(run, org, step))) break;
    }
  }
  finish(win, key, summary, config.reload);
  return summary;
}

// One call, journaled before and after; false when the organisation failed (its next step is skipped).
async function runStep(run: ConsoleRun, org: PlannedOrg, step: ActivationStep): Promise<boolean> {
  const { journal, summary } = run;
  const stepKey = `${org.orgId}:${step}`;
  if (journal.succeeded[stepKey]) return true;
  journal.pending[stepKey] = true;
  writeJournal(run.key, journal);
  const outcome = await approveWithBackoff(run, org.orgId, step);
  delete journal.pending[stepKey];
  if (outcome.ok) {
    journal.succeeded[stepKey] = true;
    delete journal.failures[org.orgId];
    summary.succeededCalls++;
  } else {
    journal.failures[org.orgId] = outcome.message;
    summary.failures.push({ orgId: org.orgId, orgName: org.orgName, step, message: outcome.message });
  }
  writeJournal(run.key, journal);
  const result = outcome.ok ? 'ok' : outcome.message;
  browserWindow().console.log(`[chartbridge] ${org.orgName} (${org.orgId}) ${step}: ${result}`);
  return outcome.ok;
}

function finish(
  win: ReturnType<typeof browserWindow>,
  key: string,
  summary: ConsoleSummary,
  reload: boolean,
): void {
  win.sessionStorage.setItem(`${key}:summary`, JSON.stringify(summary));
  win.chartbridgeActivationResult = summary;
  win.console.log(
    `[chartbridge] ${summary.status}: ${summary.succeededCalls} calls succeeded, ${summary.failures.length} failed`,
  );
  if (summary.failures.length) win.console.table(summary.failures);
  if (reload && summary.status === 'completed') win.location.reload();
}

function readJournal(key: string): ConsoleJournal {
  const text = browserWindow().sessionStorage.getItem(key);
  const empty: ConsoleJournal = { succeeded: {}, failures: {}, pending: {} };
  if (!text) return empty;
  try {
    return { ...empty, ...(JSON.parse(text) as Partial<ConsoleJournal>) };
  } catch {
    return empty;
  }
}

function writeJournal(key: string, journal: ConsoleJournal): void {
  browserWindow().sessionStorage.setItem(key, JSON.stringify(journal));
}

async function post(base: string, path: string, form: Record<string, string>): Promise<Response> {
  const win = browserWindow();
  const token = win.document.querySelector('input[name="__RequestVerificationToken"]')?.value;
  if (!token)
    throw new Error('[chartbridge] no __RequestVerificationToken on this page: reload it and paste again');
  return win.fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', RequestVerificationToken: token },
    body: new URLSearchParams(form).toString(),
  });
}

async function loadAll(base: string, appId: string, pageSize: number): Promise<PortalDownload[]> {
  const all: PortalDownload[] = [];
  for (let page = 0; ; page++) {
    const response = await post(base, '/Developer/LoadDownloads', {
      appId,
      PageSize: String(pageSize),
      page: String(page),
    });
    const body: { Success?: boolean; Data?: { Downloads?: unknown[] } } | null =
      response.ok && response.headers.get('content-type')?.includes('json')
        ? ((await response.json()) as { Success?: boolean; Data?: { Downloads?: unknown[] } })
        : null;
    if (!body?.Success)
      throw new Error('[chartbridge] the portal did not list downloads: sign in again and reload');
    const rows = (body.Data?.Downloads ?? []) as Parameters<typeof parseDownload>[0][];
    for (const row of rows) {
      const download = parseDownload(row);
      if (download) all.push(download);
    }
    if (rows.length < pageSize) return all;
  }
}

let nextCallAt = 0;

async function approveWithBackoff({ base, appId, config }: ConsoleRun, orgId: string, step: ActivationStep) {
  const pacingMs = config.pacingMs;
  for (let attempt = 0; ; attempt++) {
    const wait = nextCallAt - Date.now();
    if (wait > 0) await sleep(wait);
    nextCallAt = Date.now() + pacingMs;
    let response: Response | undefined;
    try {
      response = await post(
        base,
        '/Developer/ApproveDownload',
        buildApproveForm(orgId, appId, step, config.jwks ?? ''),
      );
    } catch {
      response = undefined;
    }
    if (response && response.status !== 429 && response.status < 500) {
      if (!response.headers.get('content-type')?.includes('json')) {
        // The sign-in page or an error page instead of JSON: every further call would fail the same way.
        throw new Error(
          '[chartbridge] the portal session expired or the page is stale: sign in, reload, paste again',
        );
      }
      return readApproveAnswer(await response.json());
    }
    if (attempt >= 5)
      return { ok: false as const, message: `the portal kept failing (HTTP ${response?.status ?? 'error'})` };
    await sleep(Math.max(pacingMs, 250) * 2 ** attempt);
  }
}
