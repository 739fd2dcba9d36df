import type { DoctorCheck } from '../../doctor/doctor-checks.ts';
import type { SyncRunRow } from '../../store/sync-runs-repository.ts';
import type { CoverageReport } from '../../sync/coverage.ts';
import { AppLayout } from '../app-layout.tsx';
import { formatMinute } from '../patient/connection-view.ts';
import { statusText } from '../status-text.ts';

/** One connection for the operator: its sync runs (with warnings and errors) and the coverage report. */
export function renderOperatorConnectionPage(props: {
  connectionId: string;
  hospital: string;
  status: string;
  runs: SyncRunRow[];
  coverage: CoverageReport;
}) {
  const base = `/operator/connections/${encodeURIComponent(props.connectionId)}`;
  return (
    <AppLayout title={`Connection ${props.connectionId}`} area="operator">
      <p>
        <a href="/operator">← Overview</a>
      </p>
      <h1>
        {props.hospital}{' '}
        <span class={`badge ${props.status}`}>{statusText('connection', props.status, 'operator')}</span>
      </h1>
      <p class="muted">Connection {props.connectionId}</p>
      <div class="actions">
        {props.status !== 'revoked' ? (
          <a class="button secondary" href={`${base}/disconnect`}>
            Disconnect
          </a>
        ) : null}
        <a class="button danger" href={`${base}/erase`}>
          Erase its data
        </a>
      </div>
      <h2>Sync runs</h2>
      {props.runs.length === 0 ? <p>No sync has run yet.</p> : null}
      <RunsTable runs={props.runs} />
      <h2>Coverage</h2>
      <p class="muted">
        What the newest full run received per type and category, and why nothing came when so.
      </p>
      <CoverageTable coverage={props.coverage} />
      <PhaseNotes coverage={props.coverage} />
    </AppLayout>
  );
}

function RunsTable(props: { runs: SyncRunRow[] }) {
  return (
    <div class="table-scroll">
      <table class="data" aria-label="Sync runs">
        <thead>
          <tr>
            <th scope="col">Started</th>
            <th scope="col">Status</th>
            <th scope="col">Resources</th>
            <th scope="col">Dropped</th>
            <th scope="col">Pages</th>
            <th scope="col">Warnings and errors</th>
          </tr>
        </thead>
        <tbody>
          {props.runs.map((run) => (
            <tr>
              <td data-label="Started">{formatMinute(Number(run.started_at))}</td>
              <td data-label="Status">
                <span class={`badge ${run.status}`}>{statusText('run', run.status, 'operator')}</span>{' '}
                {run.full === 1 ? 'full' : ''}
              </td>
              <td data-label="Resources">{Number(run.resources)}</td>
              <td data-label="Dropped">{Number(run.dropped)}</td>
              <td data-label="Pages">{Number(run.pages)}</td>
              <td data-label="Warnings and errors">
                <RunNotes run={run} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function CoverageTable(props: { coverage: CoverageReport }) {
  return (
    <div class="table-scroll">
      <table class="data" aria-label="Coverage">
        <thead>
          <tr>
            <th scope="col">Type</th>
            <th scope="col">Category</th>
            <th scope="col">Status</th>
            <th scope="col">Resources</th>
            <th scope="col">Dropped</th>
            <th scope="col">Reason</th>
          </tr>
        </thead>
        <tbody>
          {props.coverage.entries.map((e) => (
            <tr>
              <td data-label="Type">{e.resourceType}</td>
              <td data-label="Category">{e.category ?? ''}</td>
              <td data-label="Status">
                <span class={`badge ${e.status === 'received' ? 'ok' : e.status === 'none' ? '' : 'warn'}`}>
                  {statusText('coverage', e.status, 'operator')}
                </span>
              </td>
              <td data-label="Resources">{e.resources}</td>
              <td data-label="Dropped">{e.dropped}</td>
              <td data-label="Reason">
                {[e.reason, ...e.dropReasons.map((d) => `${d.count} dropped: ${d.reason}`)]
                  .filter((text) => text)
                  .join('; ')}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Referenced resources and attachments: what came, what the server withheld, what was dropped and why. */
function PhaseNotes(props: { coverage: CoverageReport }) {
  const line = (name: string, phase: CoverageReport['references']) =>
    `${name}: ${phase.fetched} stored, ${phase.unavailable} not available, ${phase.dropped} dropped` +
    phase.reasons.map((r) => `; ${r.count} ${r.reason}`).join('');
  return (
    <ul>
      <li>{line('Referenced resources', props.coverage.references)}</li>
      <li>{line('Attachments', props.coverage.attachments)}</li>
    </ul>
  );
}

function RunNotes(props: { run: SyncRunRow }) {
  const notes = [...parseList(props.run.warnings), ...parseList(props.run.errors)];
  if (props.run.reason) notes.unshift(props.run.reason);
  if (notes.length === 0) return <span class="muted">none</span>;
  const list = (shown: string[]) => (
    <ul>
      {shown.map((n) => (
        <li>{n}</li>
      ))}
    </ul>
  );
  if (notes.length <= NOTES_SHOWN) return list(notes);
  // An incremental run can note "no results" for every type: the first few, the rest one click away (no script).
  const more = notes.slice(NOTES_SHOWN, NOTES_MAX);
  const unlisted = notes.length - NOTES_SHOWN - more.length;
  return (
    <>
      {list(notes.slice(0, NOTES_SHOWN))}
      <details>
        <summary>{notes.length - NOTES_SHOWN} more</summary>
        {list(more)}
        {unlisted > 0 ? <p class="muted">and {unlisted} more not listed</p> : null}
      </details>
    </>
  );
}

const NOTES_SHOWN = 3;
const NOTES_MAX = 50;

function parseList(json: string): string[] {
  try {
    const value = JSON.parse(json) as unknown;
    return Array.isArray(value) ? value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))) : [];
  } catch {
    return [];
  }
}

/** The `chartbridge doctor` report in the browser. */
export function renderDoctorPage(props: { checks: DoctorCheck[] }) {
  return (
    <AppLayout title="Doctor" area="operator">
      <p>
        <a href="/operator">← Overview</a>
      </p>
      <h1>Doctor</h1>
      <div class="table-scroll">
        <table class="data">
          <thead>
            <tr>
              <th scope="col">Check</th>
              <th scope="col">Result</th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            {props.checks.map((check) => (
              <tr>
                <td data-label="Check">{check.name}</td>
                <td data-label="Result">
                  <span class={`badge ${check.status}`}>{statusText('check', check.status, 'operator')}</span>
                </td>
                <td data-label="Detail" class="detail">
                  {check.detail}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </AppLayout>
  );
}
