import type { DirectorySearchResult } from '../directory/directory-search.ts';

/** What the hospital lists show of a directory search result. */
type Hospital = Pick<DirectorySearchResult, 'organizationId' | 'name' | 'city' | 'state'>;
import { Layout } from './layout.tsx';
import { ConnectButton } from './patient/connect-button.tsx';
import { statusText } from './status-text.ts';
import { ConnectExplainer } from './patient/connect-explainer-page.tsx';

/** Home: the hospitals one can connect to, and one button that starts a connect session (POST + CSRF token). */
export function renderHomePage(props: { hospitals: Hospital[]; csrfToken: string }) {
  return (
    <Layout title="Connect your health record">
      <h1>Connect your health record</h1>
      <p>Sign in to your hospital's patient portal and chartbridge keeps a copy of your record up to date.</p>
      <ConnectButton csrfToken={props.csrfToken} />
      <h2>Hospitals</h2>
      <HospitalList hospitals={props.hospitals} />
    </Layout>
  );
}

/** The picker behind a connect-session URL: each hospital links to `?org=`, which redirects to its sign-in. */
export function renderPickerPage(props: { hospitals: Hospital[]; query: string; sessionPath: string }) {
  return (
    <Layout title="Pick your hospital" script>
      <h1>Pick your hospital</h1>
      <ConnectExplainer />
      <form method="get" action={props.sessionPath} role="search">
        <label class="search-label" for="hospital-search">
          Hospital name or city
        </label>
        <input
          id="hospital-search"
          type="search"
          name="q"
          value={props.query}
          maxlength={100}
          autocomplete="off"
          data-live-search
          data-target="hospital-results"
          data-status="hospital-status"
          data-link-base={`${props.sessionPath}?org=`}
        />{' '}
        <button type="submit">Search</button>
      </form>
      <p id="hospital-status" class="muted" role="status" aria-live="polite"></p>
      <HospitalList
        hospitals={props.hospitals}
        linkFor={(h) => `${props.sessionPath}?org=${encodeURIComponent(h.organizationId)}`}
      />
    </Layout>
  );
}

function HospitalList(props: { hospitals: Hospital[]; linkFor?: (h: Hospital) => string }) {
  if (props.hospitals.length === 0)
    return (
      <>
        <p>No hospitals found.</p>
        {/* Still a list for the live search to fill. */}
        <ul class="hospitals" id="hospital-results"></ul>
      </>
    );
  return (
    <ul class="hospitals" id="hospital-results">
      {props.hospitals.map((h) => (
        <li>
          <span>
            {h.name}
            {h.city ? ` · ${h.city}` : ''}
          </span>
          {props.linkFor ? (
            <a class="button" href={props.linkFor(h)}>
              Connect
            </a>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

export interface ConnectionStatusView {
  status: string;
  hospital: string;
  refreshable: boolean;
  scopeCount: number;
  persistentAccessEndsAt: number | null;
  connectedAt: number;
  /** The live first-sync page, when this browser owns the connection (the home page's own flow). */
  progressHref?: string;
}

/** Where the browser lands after the callback: a clean URL, no tokens, no patient data beyond the status. */
export function renderStatusPage(props: { connection: ConnectionStatusView }) {
  const c = props.connection;
  return (
    <Layout title="Connection status">
      <h1>Your hospital is connected</h1>
      <dl>
        <dt>Hospital</dt>
        <dd>{c.hospital}</dd>
        <dt>Status</dt>
        <dd class={`status-${c.status}`}>{statusText('connection', c.status, 'patient')}</dd>
        <dt>Stays connected</dt>
        <dd>
          {!c.refreshable
            ? 'no: the hospital did not grant ongoing access; you will need to sign in again'
            : c.persistentAccessEndsAt
              ? `until ${new Date(c.persistentAccessEndsAt).toISOString().slice(0, 10)}`
              : 'yes'}
        </dd>
        <dt>Permissions granted</dt>
        <dd>{c.scopeCount}</dd>
        <dt>Connected</dt>
        <dd>{new Date(c.connectedAt).toISOString().slice(0, 16).replace('T', ' ')} UTC</dd>
      </dl>
      {c.progressHref ? (
        <p class="actions">
          <a class="button" href={c.progressHref}>
            Watch my record arrive
          </a>
          <a class="button secondary" href="/my">
            My hospitals
          </a>
        </p>
      ) : null}
    </Layout>
  );
}
