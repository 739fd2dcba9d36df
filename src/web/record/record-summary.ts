import { isSafeFhirId } from '../../fhir/fhir-id.ts';
import type {
  AllergyIntolerance,
  CodeableConcept,
  Condition,
  DocumentReference,
  DiagnosticReport,
  Immunization,
  MedicationRequest,
} from '@medplum/fhirtypes';
import { statusText, type StatusKind } from '../status-text.ts';
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

type ItemList = 'problems' | 'medications' | 'allergies' | 'immunizations' | 'timeline';
type ItemFacts = Pick<SummaryItem, 'title' | 'detail' | 'active'>;
type AnyResource = SourcedResource['resource'];

/** Per resource type: which list it belongs to and how its title, detail and active flag are read. */
const ITEM_READERS: Record<string, { list: ItemList; read: (resource: AnyResource) => ItemFacts }> = {
  Condition: { list: 'problems', read: (r) => readCondition(r as unknown as Condition) },
  MedicationRequest: { list: 'medications', read: (r) => readMedication(r as unknown as MedicationRequest) },
  AllergyIntolerance: { list: 'allergies', read: (r) => readAllergy(r as unknown as AllergyIntolerance) },
  Immunization: { list: 'immunizations', read: (r) => readImmunization(r as unknown as Immunization) },
  Encounter: { list: 'timeline', read: (r) => readTimelineEvent(r) },
  Procedure: { list: 'timeline', read: (r) => readTimelineEvent(r) },
};

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
    if (resource.resourceType === 'DocumentReference' || resource.resourceType === 'DiagnosticReport') {
      addDocument(summary, { source, connectionId }, resource, date);
      continue;
    }
    const reader = ITEM_READERS[resource.resourceType];
    if (!reader) continue;
    const id = `${resource.resourceType}/${resource.id}`;
    summary[reader.list].push({ id, source, date, ...reader.read(resource) });
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

/** A status code in the patient's words (status-text.ts), or nothing when the EHR sent none. */
function said(kind: StatusKind, code: string | undefined): string {
  return code ? statusText(kind, code, 'patient') : '';
}

/** The parts of a detail line that are there, joined as the list shows them. */
function detailOf(...parts: string[]): string {
  return parts.filter(Boolean).join(' · ');
}

function readCondition(c: Condition): ItemFacts {
  const status = c.clinicalStatus?.coding?.[0]?.code ?? 'unknown';
  return {
    title: conceptText(c.code),
    detail: said('clinical', status),
    active: status === 'active' || status === 'recurrence' || status === 'relapse',
  };
}

function readMedication(m: MedicationRequest): ItemFacts {
  const title = m.medicationCodeableConcept
    ? conceptText(m.medicationCodeableConcept)
    : (m.medicationReference?.display ?? 'Medication');
  return {
    title,
    detail: detailOf(said('medication', m.status), m.dosageInstruction?.[0]?.text ?? ''),
    active: m.status === 'active',
  };
}

function readAllergy(a: AllergyIntolerance): ItemFacts {
  const reaction = a.reaction?.[0]?.manifestation?.map((x) => conceptText(x)).join(', ') ?? '';
  const status = a.clinicalStatus?.coding?.[0]?.code;
  const active = status !== 'inactive' && status !== 'resolved';
  return {
    title: conceptText(a.code),
    // An allergy in force is the usual case: its status is said only once it no longer applies.
    detail: detailOf(active ? '' : said('clinical', status), reaction || said('criticality', a.criticality)),
    active,
  };
}

function readImmunization(i: Immunization): ItemFacts {
  return {
    title: conceptText(i.vaccineCode),
    detail: said('immunization', i.status),
    active: i.status === 'completed',
  };
}

/** Encounters are named by their first type, procedures by their code. */
function readTimelineEvent(resource: AnyResource): ItemFacts {
  const typed = resource as { type?: CodeableConcept[]; code?: CodeableConcept };
  const encounter = resource.resourceType === 'Encounter';
  const concept = encounter ? typed.type?.[0] : typed.code;
  return { title: conceptText(concept), detail: encounter ? 'Visit' : 'Procedure', active: false };
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
      // Any id the store keeps (src/fhir/fhir-id.ts): Epic's run to 130 characters.
      const binaryId = /(?:^|\/)Binary\/([^/?#]+)$/.exec(a?.url ?? '')?.[1];
      return isSafeFhirId(binaryId)
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
