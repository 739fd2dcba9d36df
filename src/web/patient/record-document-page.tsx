import { AppLayout } from '../app-layout.tsx';
import type { DocumentSection } from '../record/document-text.ts';

/**
 * A clinical note or C-CDA shown as plain text sections (extractDocumentSections): the EHR's markup never
 * reaches the browser as markup, so nothing in it can run, load or style anything (case 35).
 */
export function renderDocumentPage(props: {
  hospital: string;
  sections: DocumentSection[];
  downloadHref: string;
}) {
  return (
    <AppLayout title="Document" area="patient">
      <p>
        <a href="/my/record#documents">← Back to my record</a>
      </p>
      <h1>Document from {props.hospital}</h1>
      {props.sections.length === 0 ? <p>This document has no readable text.</p> : null}
      {props.sections.map((section) => (
        <section class="card">
          <h2>{section.title}</h2>
          <div class="document-text">{section.text}</div>
        </section>
      ))}
      <p>
        <a href={props.downloadHref}>Download the original file</a>
      </p>
    </AppLayout>
  );
}
