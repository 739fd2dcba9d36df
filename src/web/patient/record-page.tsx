import { AppLayout } from '../app-layout.tsx';
import { ConnectButton } from './connect-button.tsx';
import { RecordSectionView, RecordView, SECTION_TITLES, type SectionId } from '../record/record-page.tsx';
import type { DocumentItem, SourcedResource } from '../record/record-summary.ts';

const documentHref = (doc: DocumentItem, binaryId: string) =>
  `/my/connections/${encodeURIComponent(doc.connectionId ?? '')}/documents/${encodeURIComponent(binaryId)}`;

/** `/my/record`: every connected hospital's data in one record, each item tagged with where it came from. */
export function renderRecordPage(props: {
  resources: SourcedResource[];
  hospitals: number;
  csrfToken: string;
}) {
  return (
    <AppLayout title="My record" area="patient" wide>
      <h1>My record</h1>
      <p>
        <a href="/my/coverage">Where is the rest of my record?</a>
      </p>
      {props.hospitals === 0 ? (
        <div class="card empty-record">
          <p>Nothing here yet: connect the hospital where you are treated and your record appears here.</p>
          <ConnectButton csrfToken={props.csrfToken} />
        </div>
      ) : (
        <RecordView
          resources={props.resources}
          documentHref={documentHref}
          moreHref={(section) => `/my/record/${section}`}
        />
      )}
    </AppLayout>
  );
}

/** `/my/record/<section>`: one list in full, for when the record page shows only the newest 100. */
export function renderRecordSectionPage(props: { section: SectionId; resources: SourcedResource[] }) {
  return (
    <AppLayout title={SECTION_TITLES[props.section]} area="patient" wide>
      <p>
        <a href="/my/record">← Back to my record</a>
      </p>
      <h1>{SECTION_TITLES[props.section]}</h1>
      <RecordSectionView section={props.section} resources={props.resources} documentHref={documentHref} />
    </AppLayout>
  );
}
