import { AppLayout } from '../app-layout.tsx';
import type { CoverageLine, HospitalCoverage } from './coverage-model.ts';

/** `/my/coverage`: per hospital, what arrived and why the rest did not — in plain words, with counts. */
export function renderCoveragePage(props: { hospitals: HospitalCoverage[] }) {
  return (
    <AppLayout title="Where is the rest of my record?" area="patient">
      <p>
        <a href="/my/record">← Back to my record</a>
      </p>
      <h1>Where is the rest of my record?</h1>
      {props.hospitals.length === 0 ? (
        <p>
          No hospital connected in this browser yet. <a href="/">Connect a hospital</a>.
        </p>
      ) : null}
      {props.hospitals.map((h) => (
        <HospitalSection coverage={h} />
      ))}
    </AppLayout>
  );
}

function HospitalSection(props: { coverage: HospitalCoverage }) {
  const c = props.coverage;
  if (c.pending) {
    return (
      <section class="card coverage">
        <h2>{c.hospital}</h2>
        <p>Your record from this hospital has not been copied yet.</p>
      </section>
    );
  }
  return (
    <section class="card coverage">
      <h2>{c.hospital}</h2>
      {c.checkedAt ? <p class="checked">Last checked {c.checkedAt.slice(0, 10)}.</p> : null}
      <Group
        id="received"
        title="Received"
        empty="Nothing yet."
        lines={c.received}
        render={(l) => `${l.label}: ${l.count}`}
      />
      <Group
        id="not-shared"
        title="Your hospital does not share this"
        empty="Your hospital shares everything we asked for."
        lines={c.notShared}
        render={(l) => `${l.label}: ${l.why}`}
      />
      <Group
        id="not-available"
        title="Not available"
        empty="Nothing was unavailable."
        lines={c.notAvailable}
        render={(l) => `${l.label}: ${l.why}`}
      />
      <Group
        id="dropped"
        title="Dropped"
        empty="Nothing was dropped."
        lines={c.dropped}
        render={(l) => `${l.label}: ${l.count} not kept (${l.why})`}
      />
      <Group
        id="attachments"
        title={`Attachments (${c.attachments.fetched} received)`}
        empty="Every attachment was received."
        lines={c.attachments.notFetched}
        render={(l) => `${l.count} not received: ${l.label}`}
      />
    </section>
  );
}

function Group(props: {
  id: string;
  title: string;
  empty: string;
  lines: CoverageLine[];
  render: (line: CoverageLine) => string;
}) {
  return (
    <div class={`coverage-group ${props.id}`}>
      <h3>{props.title}</h3>
      {props.lines.length === 0 ? (
        <p class="empty">{props.empty}</p>
      ) : (
        <ul>
          {props.lines.map((line) => (
            <li>{props.render(line)}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
