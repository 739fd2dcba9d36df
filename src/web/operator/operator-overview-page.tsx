import type { OperatorConnection } from '../../store/operator-connections.ts';
import type { OrganisationAlert } from './operator-overview.ts';
import type { RegistrationAlert } from '../../store/registration-alerts.ts';
import type { DirectoryStats } from '../../store/directory-repository.ts';
import { AppLayout } from '../app-layout.tsx';
import { formatMinute } from '../patient/connection-view.ts';
import { statusText } from '../status-text.ts';
import { RegistrationAlertsTable } from './registration-alerts-table.tsx';

export interface KeyView {
  kid: string;
  alg: string;
  status: string;
  createdAt: number;
}

export interface OperatorOverview {
  counts: Record<string, number>;
  alerts: OrganisationAlert[];
  registrationAlerts: RegistrationAlert[];
  /** Re-authorisation bursts of the last day (audit `operator.reauth_burst`), newest first. */
  reauthBursts: Array<{ at: number; count: number; windowMinutes: number }>;
  connections: OperatorConnection[];
  directory: DirectoryStats;
  keys: KeyView[];
  jwksUrl: string;
  publishedKeys: number;
}

/** `/operator`: health at a glance — connections by status, alerts by organisation, directory, keys. */
export function renderOperatorOverviewPage(props: { overview: OperatorOverview }) {
  const o = props.overview;
  return (
    <AppLayout title="Operator overview" area="operator">
      <h1>Overview</h1>
      <h2>Connections by status</h2>
      <div class="stats">
        {Object.entries(o.counts).map(([status, n]) => (
          <div class="stat">
            <strong>{n}</strong>
            <span class={n > 0 ? `badge ${status}` : 'badge'}>
              {statusText('connection', status, 'operator')}
            </span>
          </div>
        ))}
      </div>
      {o.reauthBursts.map((b) => (
        <p class="error" role="alert">
          {formatMinute(b.at)}: {b.count} connections needed the patient again within {b.windowMinutes}{' '}
          minutes. Many at once usually means our side or the EHR's: a key rotated before the EHR fetched the
          JWKS, a changed client id, or grants revoked by the EHR. Run the doctor checks before asking
          patients to reconnect.
        </p>
      ))}
      <AlertsTable alerts={o.alerts} />
      <RegistrationAlertsTable alerts={o.registrationAlerts} />
      <ConnectionsTable connections={o.connections} />
      <DirectoryStatsView directory={o.directory} />
      <h2>Signing keys</h2>
      <p>
        JWKS at <code>{o.jwksUrl}</code> publishes {o.publishedKeys} key(s).{' '}
        <a href="/operator/doctor">Run the doctor checks</a>
      </p>
      <KeysTable keys={o.keys} />
    </AppLayout>
  );
}

function ConnectionsTable(props: { connections: OperatorConnection[] }) {
  return (
    <>
      <h2>Connections</h2>
      <div class="table-scroll">
        <table class="data">
          <thead>
            <tr>
              <th scope="col">Connection</th>
              <th scope="col">Hospital</th>
              <th scope="col">Status</th>
              <th scope="col">Last sync</th>
              <th scope="col">Access ends</th>
            </tr>
          </thead>
          <tbody>
            {props.connections.map((c) => (
              <tr>
                <td data-label="Connection">
                  <a href={`/operator/connections/${encodeURIComponent(c.id)}`}>{c.id}</a>
                </td>
                <td data-label="Hospital">{c.hospital}</td>
                <td data-label="Status">
                  <span class={`badge ${c.status}`}>{statusText('connection', c.status, 'operator')}</span>
                  {/* The reason adds only what the status does not already say ("revoked: disconnected"). */}
                  {c.reason && !sameWords(c.reason, c.status) ? <span class="muted"> {c.reason}</span> : null}
                </td>
                <td data-label="Last sync">{c.lastSyncAt ? formatMinute(c.lastSyncAt) : 'never'}</td>
                <td data-label="Access ends">
                  {c.persistentAccessEndsAt ? formatMinute(c.persistentAccessEndsAt) : '—'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function KeysTable(props: { keys: KeyView[] }) {
  return (
    <div class="table-scroll">
      <table class="data">
        <thead>
          <tr>
            <th scope="col">Key id</th>
            <th scope="col">Algorithm</th>
            <th scope="col">Status</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {props.keys.map((k) => (
            <tr>
              <td data-label="Key id">
                <code>{k.kid}</code>
              </td>
              <td data-label="Algorithm">{k.alg}</td>
              <td data-label="Status">
                <span class={`badge ${k.status === 'retired' ? 'warn' : 'ok'}`}>
                  {statusText('key', k.status, 'operator')}
                </span>
              </td>
              <td data-label="Created">{formatMinute(k.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function AlertsTable(props: { alerts: OrganisationAlert[] }) {
  return (
    <>
      <h2>Alerts by organisation</h2>
      {props.alerts.length === 0 ? <p>No connection needs attention.</p> : null}
      {props.alerts.length > 0 ? (
        <div class="table-scroll">
          <table class="data">
            <thead>
              <tr>
                <th scope="col">Organisation</th>
                <th scope="col">invalid_client (check keys / client id)</th>
                <th scope="col">Needs the patient back</th>
              </tr>
            </thead>
            <tbody>
              {props.alerts.map((a) => (
                <tr>
                  <td data-label="Organisation">{a.hospital}</td>
                  <td data-label="invalid_client (check keys / client id)">{a.invalidClient}</td>
                  <td data-label="Needs the patient back">{a.needsReauth}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </>
  );
}

function DirectoryStatsView(props: { directory: DirectoryStats }) {
  return (
    <>
      <h2>Directory</h2>
      <div class="stats">
        <div class="stat">
          <strong>{props.directory.connectableOrganizations}</strong> connectable organisations
        </div>
        {Object.entries(props.directory.endpoints).map(([status, n]) => (
          <div class="stat">
            <strong>{n}</strong> {status} endpoints
          </div>
        ))}
      </div>
    </>
  );
}

function sameWords(reason: string, status: string): boolean {
  const words = reason.toLowerCase();
  return words === status || words === statusText('connection', status, 'operator').toLowerCase();
}
