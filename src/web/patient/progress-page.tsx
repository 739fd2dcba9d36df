import { AppLayout } from '../app-layout.tsx';

/**
 * Live progress of a sync: the same-origin script listens to the server-sent events; without script the page
 * still says what is happening and links to the record.
 */
export function renderProgressPage(props: { hospital: string; eventsHref: string }) {
  return (
    <AppLayout title="Updating your record" area="patient" script>
      <h1>Updating your record from {props.hospital}</h1>
      <div class="card" data-progress data-events={props.eventsHref}>
        <label for="sync-progress">Progress</label>
        <progress id="sync-progress" max="1" value="0" />
        <p data-progress-text aria-live="polite" role="status">
          Starting…
        </p>
        <p data-progress-done hidden>
          <a class="button" href="/my/record">
            See my record
          </a>
        </p>
      </div>
      {/* True only while the sync runs: the script hides it when the run ends. */}
      <p class="muted" data-progress-leave>
        You can leave this page; the update continues. <a href="/my">My hospitals</a> shows when it finished.
      </p>
    </AppLayout>
  );
}
