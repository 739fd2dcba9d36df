import { AppLayout } from '../app-layout.tsx';
import { RecordView } from '../record/record-page.tsx';
import type { SourcedResource } from '../record/record-summary.ts';

/** `/my/record`: every connected hospital's data in one record, each item tagged with where it came from. */
export function renderRecordPage(props: { resources: SourcedResource[]; hospitals: number }) {
  return (
    <AppLayout title="My record" area="patient" wide>
      <h1>My record</h1>
      {props.hospitals === 0 ? (
        <p>
          Nothing here yet. <a href="/">Connect a hospital</a> to see your record.
        </p>
      ) : (
        <RecordView
          resources={props.resources}
          documentHref={(doc, binaryId) =>
            `/my/connections/${encodeURIComponent(doc.connectionId ?? '')}/documents/${encodeURIComponent(binaryId)}`
          }
        />
      )}
    </AppLayout>
  );
}
