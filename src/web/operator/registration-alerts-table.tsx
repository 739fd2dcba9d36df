import type { RegistrationAlert } from '../../store/registration-alerts.ts';
import { formatMinute } from '../patient/connection-view.ts';

/** What each alert code means, in the operator's words: a short badge (one line on a phone) and a sentence. */
const PROBLEMS: Record<string, { badge: string; words: string }> = {
  ERR_NOT_REFRESHABLE: { badge: 'No refresh token', words: 'Persistent access is off in the registration.' },
};

/** /operator's registration alerts: problems only the app registration at the EHR can fix, with the fix. */
export function RegistrationAlertsTable(props: { alerts: RegistrationAlert[] }) {
  return (
    <>
      <h2>Registration alerts</h2>
      {props.alerts.length === 0 ? <p>No registration problem in the last 30 days.</p> : null}
      {props.alerts.length > 0 ? (
        <div class="table-scroll">
          <table class="data" aria-label="Registration alerts">
            <thead>
              <tr>
                <th scope="col">Hospital</th>
                <th scope="col">Problem</th>
                <th scope="col">Connections</th>
                <th scope="col">Last seen</th>
                <th scope="col">Fix</th>
              </tr>
            </thead>
            <tbody>
              {props.alerts.map((a) => (
                <tr data-alert={a.code}>
                  <td data-label="Hospital">{a.hospital}</td>
                  <td data-label="Problem">
                    <span class="badge warn">{problemOf(a.code).badge}</span> {problemOf(a.code).words}
                  </td>
                  <td data-label="Connections">{a.connections}</td>
                  <td data-label="Last seen">{formatMinute(a.lastAt)}</td>
                  <td data-label="Fix" class="detail">
                    {a.hint.charAt(0).toUpperCase() + a.hint.slice(1)}.
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </>
  );
}

/** An unknown code shows as itself. */
function problemOf(code: string): { badge: string; words: string } {
  return Object.hasOwn(PROBLEMS, code) ? PROBLEMS[code]! : { badge: code, words: '' };
}
