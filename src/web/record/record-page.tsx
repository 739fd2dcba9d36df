import type { Observation } from '@medplum/fhirtypes';
import { buildObservationSeries, type ObservationSeries } from './observation-series.ts';
import {
  buildRecordSummary,
  type DocumentItem,
  type SourcedResource,
  type SummaryItem,
} from './record-summary.ts';
import { formatDate, formatNumber } from './fhir-text.ts';
import { TrendChart } from './trend-chart.tsx';

const MAX_CHARTS = 12;
const MAX_LIST = 100;
const MAX_FULL_LIST = 5000;

/**
 * The patient's record: summary lists, charts and documents, built only from stored resources. Everything the
 * EHR wrote goes through JSX text nodes or attributes, which escape it, so hostile narratives render inert.
 */
export function RecordView(props: {
  resources: SourcedResource[];
  documentHref: (doc: DocumentItem, binaryId: string) => string;
  /** Where a list cut at MAX_LIST continues in full. */
  moreHref?: (section: SectionId) => string;
}) {
  const summary = buildRecordSummary(props.resources);
  const observations = props.resources
    .filter((r) => r.resource.resourceType === 'Observation')
    .map((r) => r.resource as unknown as Observation);
  const series = buildObservationSeries(observations);
  const sources = [...new Set(props.resources.map((r) => r.source))].sort();
  const list = (id: Exclude<SectionId, 'documents'>) => (
    <SummaryList id={id} title={SECTION_TITLES[id]} items={summary[id]} moreHref={props.moreHref?.(id)} />
  );
  return (
    <div class="record">
      <p class="record-sources">Sources: {sources.join(', ') || 'none yet'}</p>
      <nav class="record-nav" aria-label="Record sections">
        <a href="#problems">Problems</a> <a href="#medications">Medications</a>{' '}
        <a href="#allergies">Allergies</a> <a href="#immunizations">Immunizations</a> <a href="#labs">Labs</a>{' '}
        <a href="#vitals">Vitals</a> <a href="#timeline">Timeline</a> <a href="#documents">Documents</a>
      </nav>
      {list('problems')}
      {list('medications')}
      {list('allergies')}
      {list('immunizations')}
      <ChartSection id="labs" title="Labs" series={series.filter((s) => s.category === 'laboratory')} />
      <ChartSection id="vitals" title="Vitals" series={series.filter((s) => s.category === 'vital-signs')} />
      {list('timeline')}
      <DocumentList
        documents={summary.documents}
        documentHref={props.documentHref}
        moreHref={props.moreHref?.('documents')}
      />
    </div>
  );
}

export type SectionId = 'problems' | 'medications' | 'allergies' | 'immunizations' | 'timeline' | 'documents';

export const SECTION_TITLES: Record<SectionId, string> = {
  problems: 'Problems',
  medications: 'Medications',
  allergies: 'Allergies',
  immunizations: 'Immunizations',
  timeline: 'Encounters and procedures',
  documents: 'Documents',
};

/** One section in full (the page behind "show all"): every item, no charts. */
export function RecordSectionView(props: {
  section: SectionId;
  resources: SourcedResource[];
  documentHref: (doc: DocumentItem, binaryId: string) => string;
}) {
  const summary = buildRecordSummary(props.resources);
  const { section } = props;
  return (
    <div class="record">
      {section === 'documents' ? (
        <DocumentList documents={summary.documents} documentHref={props.documentHref} limit={MAX_FULL_LIST} />
      ) : (
        <SummaryList
          id={section}
          title={SECTION_TITLES[section]}
          items={summary[section]}
          limit={MAX_FULL_LIST}
        />
      )}
    </div>
  );
}

export function DocumentList(props: {
  documents: DocumentItem[];
  documentHref: (doc: DocumentItem, binaryId: string) => string;
  limit?: number;
  moreHref?: string;
}) {
  const limit = props.limit ?? MAX_LIST;
  return (
    <section id="documents" aria-labelledby="documents-title">
      <h2 id="documents-title">
        Documents <span class="count">({props.documents.length})</span>
      </h2>
      {props.documents.length === 0 ? <p class="empty">No documents.</p> : null}
      <ul class="items">
        {props.documents.slice(0, limit).map((doc) => (
          <li>
            <span class="item-title">{doc.title}</span>{' '}
            <span class="item-meta">
              {formatDate(doc.date)} <span class="source">{doc.source}</span>
            </span>
            {doc.attachments.map((a) => (
              <a class="attachment" href={props.documentHref(doc, a.binaryId)}>
                {a.title} ({a.contentType})
              </a>
            ))}
          </li>
        ))}
      </ul>
      <MoreLink hidden={props.documents.length - limit} href={props.moreHref} />
    </section>
  );
}

function MoreLink(props: { hidden: number; href?: string }) {
  if (props.hidden <= 0) return null;
  return (
    <p class="more">
      {props.href ? <a href={props.href}>Show all ({props.hidden} more)</a> : `and ${props.hidden} more`}
    </p>
  );
}

function SummaryList(props: {
  id: string;
  title: string;
  items: SummaryItem[];
  limit?: number;
  moreHref?: string;
}) {
  const limit = props.limit ?? MAX_LIST;
  return (
    <section id={props.id} aria-labelledby={`${props.id}-title`}>
      <h2 id={`${props.id}-title`}>
        {props.title} <span class="count">({props.items.length})</span>
      </h2>
      {props.items.length === 0 ? <p class="empty">Nothing recorded.</p> : null}
      <ul class="items">
        {props.items.slice(0, limit).map((item) => (
          <li class={item.active ? 'item active' : 'item'}>
            <span class="item-title">{item.title}</span>{' '}
            <span class="item-meta">
              {item.detail ? `${item.detail} · ` : ''}
              {formatDate(item.date)} <span class="source">{item.source}</span>
            </span>
          </li>
        ))}
      </ul>
      <MoreLink hidden={props.items.length - limit} href={props.moreHref} />
    </section>
  );
}

function ChartSection(props: { id: string; title: string; series: ObservationSeries[] }) {
  return (
    <section id={props.id} aria-labelledby={`${props.id}-title`}>
      <h2 id={`${props.id}-title`}>{props.title}</h2>
      {props.series.length === 0 ? <p class="empty">No results.</p> : null}
      <div class="charts">
        {props.series.slice(0, MAX_CHARTS).map((s) => (
          <figure class="chart-card">
            <figcaption>
              {s.name}{' '}
              <span class="item-meta">
                {s.unit}
                {s.low !== undefined && s.high !== undefined
                  ? ` · normal ${formatNumber(s.low)}–${formatNumber(s.high)}`
                  : ''}
              </span>
              <LatestValue series={s} />
            </figcaption>
            <TrendChart series={s} />
          </figure>
        ))}
      </div>
    </section>
  );
}

/** The newest value, its direction since the one before, and whether it is outside the reference range. */
function LatestValue(props: { series: ObservationSeries }) {
  const latest = props.series.points.at(-1);
  if (!latest) return null;
  // The result before it in time: the same result stored twice (two panels, two sources) is not a trend.
  const previous = props.series.points.findLast((p) => p.at < latest.at);
  const { low, high } = props.series;
  const outside = (low !== undefined && latest.value < low) || (high !== undefined && latest.value > high);
  const trend = !previous
    ? ''
    : latest.value > previous.value
      ? ' ↑'
      : latest.value < previous.value
        ? ' ↓'
        : ' →';
  return (
    <span class="latest">
      latest {formatNumber(latest.value)} {props.series.unit}
      {trend}
      {outside ? <span class="badge fail">out of range</span> : null}
    </span>
  );
}
