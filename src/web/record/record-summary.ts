import type {
  AllergyIntolerance,
  Condition,
  DocumentReference,
  DiagnosticReport,
  Immunization,
  MedicationRequest,
} from '@medplum/fhirtypes';
import { conceptText, eventDate } from './fhir-text.ts';

/** A resource as stored, with the hospital it came from, so the record can show several sources side by side. */
export interface SourcedResource {
  source: string;
  /** The connection it was stored under (documents link to their binaries through it). */
  connectionId?: string;
  resource: Record<string, unknown> & { resourceType: string; id: string };
}

export interface SummaryItem {
  id: string;
  source: string;
  title: string;
  detail: string;
  date?: string;
  active: boolean;
}

export interface DocumentItem {
  id: string;
  source: string;
  connectionId?: string;
  title: string;
  date?: string;
  attachments: { binaryId: string; contentType: string; title: string }[];
}

export interface RecordSummary {
  problems: SummaryItem[];
  medications: SummaryItem[];
  allergies: SummaryItem[];
  immunizations: SummaryItem[];
  timeline: SummaryItem[];
  documents: DocumentItem[];
}

const TIMELINE_TYPES = new Set(['Encounter', 'Procedure']);

export function buildRecordSummary(resources: SourcedResource[]): RecordSummary {
  const summary: RecordSummary = {
    problems: [],
    medications: [],
    allergies: [],
    immunizations: [],
    timeline: [],
    documents: [],
  };
  for (const { source, connectionId, resource } of resources) {
    const date = eventDate(resource);
    const base = { id: `${resource.resourceType}/${resource.id}`, source, date };
    switch (resource.resourceType) {
      case 'Condition': {
        const c = resource as unknown as Condition;
        const status = c.clinicalStatus?.coding?.[0]?.code ?? 'unknown';
        summary.problems.push({
          ...base,
          title: conceptText(c.code),
          detail: status,
          active: status === 'active' || status === 'recurrence',
        });
        break;
      }
      case 'MedicationRequest': {
        const m = resource as unknown as MedicationRequest;
        const title = m.medicationCodeableConcept
          ? conceptText(m.medicationCodeableConcept)
          : (m.medicationReference?.display ?? 'Medication');
        summary.medications.push({
          ...base,
          title,
          detail: m.dosageInstruction?.[0]?.text ?? m.status ?? '',
          active: m.status === 'active',
        });
        break;
      }
      case 'AllergyIntolerance': {
        const a = resource as unknown as AllergyIntolerance;
        const reaction = a.reaction?.[0]?.manifestation?.map((x) => conceptText(x)).join(', ') ?? '';
        const status = a.clinicalStatus?.coding?.[0]?.code ?? 'unknown';
        summary.allergies.push({
          ...base,
          title: conceptText(a.code),
          detail: reaction || a.criticality || '',
          active: status !== 'inactive' && status !== 'resolved',
        });
        break;
      }
      case 'Immunization': {
        const i = resource as unknown as Immunization;
        summary.immunizations.push({
          ...base,
          title: conceptText(i.vaccineCode),
          detail: i.status ?? '',
          active: i.status === 'completed',
        });
        break;
      }
      case 'DocumentReference':
      case 'DiagnosticReport':
        addDocument(summary, { source, connectionId }, resource, date);
        break;
      default:
        if (TIMELINE_TYPES.has(resource.resourceType)) {
          const typed = resource as { type?: { text?: string }[]; code?: { text?: string } };
          const concept =
            resource.resourceType === 'Encounter' ? (typed.type?.[0] as never) : (typed.code as never);
          summary.timeline.push({
            ...base,
            title: conceptText(concept),
            detail: resource.resourceType,
            active: false,
          });
        }
    }
  }
  const newestFirst = (a: { date?: string }, b: { date?: string }) =>
    (b.date ?? '').localeCompare(a.date ?? '');
  for (const list of [
    summary.problems,
    summary.medications,
    summary.allergies,
    summary.immunizations,
    summary.timeline,
  ]) {
    list.sort((a, b) => Number(b.active) - Number(a.active) || newestFirst(a, b));
  }
  summary.documents.sort(newestFirst);
  return summary;
}

function addDocument(
  summary: RecordSummary,
  origin: Pick<DocumentItem, 'source' | 'connectionId'>,
  resource: SourcedResource['resource'],
  date: string | undefined,
): void {
  const attachments =
    resource.resourceType === 'DocumentReference'
      ? ((resource as unknown as DocumentReference).content ?? []).map((c) => c.attachment)
      : ((resource as unknown as DiagnosticReport).presentedForm ?? []);
  const title =
    resource.resourceType === 'DocumentReference'
      ? conceptText((resource as unknown as DocumentReference).type)
      : conceptText((resource as unknown as DiagnosticReport).code);
  summary.documents.push({
    id: `${resource.resourceType}/${resource.id}`,
    ...origin,
    title,
    date,
    attachments: attachments.flatMap((a) => {
      const binaryId = /(?:^|\/)Binary\/([A-Za-z0-9\-.]{1,64})$/.exec(a?.url ?? '')?.[1];
      return binaryId
        ? [
            {
              binaryId,
              contentType: a?.contentType ?? 'application/octet-stream',
              title: a?.title ?? 'Attachment',
            },
          ]
        : [];
    }),
  });
}
