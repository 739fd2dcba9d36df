import type { SyncEvent } from '../../sync/run-progress.ts';
import { AppLayout } from '../app-layout.tsx';

/**
 * Live progress of a sync: the same-origin script listens to the server-sent events; without script the page
 * still says what is happening and links to the record. A run that already ended is shown ended from the start.
 */
export function renderProgressPage(props: { hospital: string; eventsHref: string; now: SyncEvent }) {
  const ended = props.now.type === 'done' ? props.now : undefined;
  return (
    <AppLayout title="Updating your record" area="patient" script>
      <h1 data-progress-heading>{ended ? ended.heading : `Updating your record from ${props.hospital}`}</h1>
      <div class="card" data-progress data-events={props.eventsHref}>
        <label for="sync-progress">Progress</label>
        <progress id="sync-progress" max="1" value={ended ? '1' : '0'} />
        <p data-progress-text aria-live="polite" role="status">
          {ended ? ended.message : 'Starting…'}
        </p>
        <p data-progress-done hidden={!ended}>
          <a class="button" href={ended?.status === 'needs_reauth' ? '/my' : '/my/record'}>
            {ended?.status === 'needs_reauth' ? 'Reconnect from My hospitals' : 'See my record'}
          </a>
        </p>
      </div>
      {/* True only while the sync runs: the script hides it when the run ends. */}
      <p class="muted" data-progress-leave hidden={Boolean(ended)}>
        You can leave this page; the update continues. <a href="/my">My hospitals</a> shows when it finished.
      </p>
    </AppLayout>
  );
}
