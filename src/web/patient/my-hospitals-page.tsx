import { AppLayout } from '../app-layout.tsx';
import { ConnectButton } from './connect-button.tsx';
import {
  describeAccess,
  describeStatus,
  formatMinute,
  type PatientConnectionView,
} from './connection-view.ts';

/** `/my`: every hospital this browser connected, its health, and what the patient can do about it. */
export function renderMyHospitalsPage(props: { connections: PatientConnectionView[]; csrfToken: string }) {
  return (
    <AppLayout title="My hospitals" area="patient">
      <h1>My hospitals</h1>
      {props.connections.length === 0 ? (
        <div class="card empty-record">
          <p>No hospital connected in this browser yet.</p>
          <ConnectButton csrfToken={props.csrfToken} />
        </div>
      ) : null}
      {props.connections.map((c) => (
        <ConnectionCard connection={c} csrfToken={props.csrfToken} />
      ))}
    </AppLayout>
  );
}

function ConnectionCard(props: { connection: PatientConnectionView; csrfToken: string }) {
  const c = props.connection;
  const base = `/my/connections/${encodeURIComponent(c.id)}`;
  return (
    <section class="card" aria-labelledby={`h-${c.id}`}>
      <h2 id={`h-${c.id}`}>{c.hospital}</h2>
      <dl>
        <dt>Status</dt>
        <dd>
          <span class={`badge ${c.status}`}>{describeStatus(c)}</span>
        </dd>
        <dt>Last updated</dt>
        <dd>{c.lastSyncAt ? formatMinute(c.lastSyncAt) : 'not yet'}</dd>
        <dt>Access</dt>
        <dd>{describeAccess(c)}</dd>
        <dt>Items kept</dt>
        <dd>{c.resources}</dd>
        <dt>Connected</dt>
        <dd>{formatMinute(c.connectedAt)}</dd>
      </dl>
      <div class="actions">
        {c.status === 'active' ? (
          <PostButton action={`${base}/sync`} csrfToken={props.csrfToken} label="Update now" />
        ) : null}
        {c.status === 'needs_reauth' || c.status === 'error' || c.status === 'key_error' ? (
          <PostButton action={`${base}/reconnect`} csrfToken={props.csrfToken} label="Reconnect" />
        ) : null}
        {/* Destructive actions open their confirm page first (a plain link; the page's form does it). */}
        {c.status !== 'revoked' ? (
          <a class="button secondary" href={`${base}/disconnect`}>
            Disconnect
          </a>
        ) : null}
        {c.resources > 0 || c.status !== 'revoked' ? (
          <a class="button danger" href={`${base}/delete`}>
            {c.status === 'revoked' ? 'Delete my data' : 'Disconnect and delete my data'}
          </a>
        ) : null}
      </div>
    </section>
  );
}

function PostButton(props: { action: string; csrfToken: string; label: string; kind?: string }) {
  return (
    <form method="post" action={props.action} class="inline">
      <input type="hidden" name="csrf" value={props.csrfToken} />
      <button type="submit" class={props.kind ?? ''}>
        {props.label}
      </button>
    </form>
  );
}
