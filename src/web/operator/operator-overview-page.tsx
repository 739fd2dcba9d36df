import type { OperatorConnection, OrganisationAlert } from '../../http/routes/operator-overview.ts';
import type { DirectoryStats } from '../../store/directory-repository.ts';
import { AppLayout } from '../app-layout.tsx';
import { formatMinute } from '../patient/connection-view.ts';

export interface KeyView {
  kid: string;
  alg: string;
  status: string;
  createdAt: number;
}

export interface OperatorOverview {
  counts: Record<string, number>;
  alerts: OrganisationAlert[];
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
            <span class={n > 0 ? `badge ${status}` : 'badge'}>{status.replace('_', ' ')}</span>
          </div>
        ))}
      </div>
      <AlertsTable alerts={o.alerts} />
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
                <td>
                  <a href={`/operator/connections/${encodeURIComponent(c.id)}`}>{c.id}</a>
                </td>
                <td>{c.hospital}</td>
                <td>
                  <span class={`badge ${c.status}`}>{c.status}</span> {c.reason ?? ''}
                </td>
                <td>{c.lastSyncAt ? formatMinute(c.lastSyncAt) : 'never'}</td>
                <td>{c.persistentAccessEndsAt ? formatMinute(c.persistentAccessEndsAt) : '—'}</td>
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
            <th scope="col">kid</th>
            <th scope="col">alg</th>
            <th scope="col">status</th>
            <th scope="col">created</th>
          </tr>
        </thead>
        <tbody>
          {props.keys.map((k) => (
            <tr>
              <td>
                <code>{k.kid}</code>
              </td>
              <td>{k.alg}</td>
              <td>
                <span class={`badge ${k.status === 'retired' ? 'warn' : 'ok'}`}>{k.status}</span>
              </td>
              <td>{formatMinute(k.createdAt)}</td>
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
                  <td>{a.hospital}</td>
                  <td>{a.invalidClient}</td>
                  <td>{a.needsReauth}</td>
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
