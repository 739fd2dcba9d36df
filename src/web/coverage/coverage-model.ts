import type { CoverageEntry, CoverageReport } from '../../sync/coverage.ts';

export interface CountedReason {
  reason: string;
  count: number;
}

/** What the page reads of the coverage report (src/sync/coverage.ts). */
export type CoverageReportInput = Pick<CoverageReport, 'runId' | 'runFinishedAt' | 'entries'>;
type CoverageEntryInput = CoverageEntry;

export interface CoverageLine {
  /** Plain words for the type and category, e.g. "Lab results". */
  label: string;
  count: number;
  /** Why, in plain words (for not shared, not available and dropped). */
  why: string | null;
}

/** One hospital's "where is the rest of my record?", grouped the way a patient asks. */
export interface HospitalCoverage {
  hospital: string;
  checkedAt: string | null;
  received: CoverageLine[];
  notShared: CoverageLine[];
  notAvailable: CoverageLine[];
  dropped: CoverageLine[];
  attachments: { fetched: number; notFetched: CoverageLine[] };
  /** No finished sync yet. */
  pending: boolean;
}

const TYPE_LABELS: Record<string, string> = {
  AllergyIntolerance: 'Allergies',
  CarePlan: 'Care plans',
  CareTeam: 'Care team',
  Condition: 'Problems and diagnoses',
  Coverage: 'Insurance coverage',
  Device: 'Implants and devices',
  DiagnosticReport: 'Reports',
  DocumentReference: 'Documents and notes',
  Encounter: 'Visits',
  ExplanationOfBenefit: 'Claims',
  FamilyMemberHistory: 'Family history',
  Goal: 'Goals',
  Immunization: 'Immunizations',
  Media: 'Images',
  MedicationAdministration: 'Medicines given',
  MedicationDispense: 'Medicines dispensed',
  MedicationRequest: 'Medicines prescribed',
  MedicationStatement: 'Medicines you reported',
  Observation: 'Observations',
  Patient: 'Your details',
  Procedure: 'Procedures',
  Provenance: 'Where the data came from',
  QuestionnaireResponse: 'Questionnaires',
  RelatedPerson: 'Related people',
  ServiceRequest: 'Orders and referrals',
  Specimen: 'Specimens',
};

const CATEGORY_LABELS: Record<string, string> = {
  laboratory: 'Lab results',
  'vital-signs': 'Vital signs',
  'social-history': 'Social history',
  exam: 'Exam findings',
  survey: 'Surveys and screenings',
  imaging: 'Imaging results',
  procedure: 'Procedure results',
  therapy: 'Therapy results',
  activity: 'Activity',
  sdoh: 'Social needs',
  'functional-status': 'Functional status',
  'disability-status': 'Disability status',
  'cognitive-status': 'Cognitive status',
  'problem-list-item': 'Problem list',
  'encounter-diagnosis': 'Visit diagnoses',
  'health-concern': 'Health concerns',
  'assess-plan': 'Care plans',
  'clinical-note': 'Clinical notes',
};

/** "Lab results", "Medicines prescribed", or a spaced type name ("Nutrition order") for the rest; other
 * categories are codes (SNOMED numbers for care plans) that mean nothing to a patient, so the type speaks. */
export function labelOf(resourceType: string, category: string | null): string {
  if (category && Object.hasOwn(CATEGORY_LABELS, category)) return CATEGORY_LABELS[category]!;
  return Object.hasOwn(TYPE_LABELS, resourceType)
    ? TYPE_LABELS[resourceType]!
    : resourceType.replace(/(?<=[a-z])(?=[A-Z])/g, ' ').replace(/ [A-Z]/g, (s) => s.toLowerCase());
}

/** Why a hospital shares nothing of a type, in words a patient reads (the server's own words stay in the API). */
function whyNotShared(status: CoverageEntryInput['status']): string {
  if (status === 'not_shared') return 'you chose not to share this when you connected';
  if (status === 'not_granted') return 'not part of what you allowed, or not offered to apps';
  if (status === 'refused') return 'the hospital refused to share it';
  return 'the hospital does not offer it to apps';
}

function whyNotAvailable(status: CoverageEntryInput['status']): string {
  if (status === 'rejected') return 'the hospital could not answer our request';
  return 'the hospital did not answer; we will try again at the next update';
}

/** Groups one hospital's coverage report into what arrived, what is not shared, not available and dropped. */
export function summarizeCoverage(
  hospital: string,
  report: CoverageReportInput,
  attachments: { fetched: number; dropped: number; reasons: CountedReason[] },
): HospitalCoverage {
  const view: HospitalCoverage = {
    hospital,
    checkedAt: report.runFinishedAt,
    received: [],
    notShared: [],
    notAvailable: [],
    dropped: [],
    attachments: {
      fetched: attachments.fetched,
      notFetched: mergeByLabel(
        attachments.reasons.map((r) => ({
          label: plainAttachmentReason(r.reason),
          count: r.count,
          why: null,
        })),
      ),
    },
    pending: report.runId === null,
  };
  for (const entry of report.entries) {
    const label = labelOf(entry.resourceType, entry.category);
    if (entry.resources > 0) view.received.push({ label, count: entry.resources, why: null });
    for (const drop of entry.dropReasons) view.dropped.push({ label, count: drop.count, why: drop.reason });
    if (['not_shared', 'not_granted', 'refused', 'unsupported'].includes(entry.status))
      view.notShared.push({ label, count: 0, why: whyNotShared(entry.status) });
    else if (['failed', 'rejected', 'not_available'].includes(entry.status))
      view.notAvailable.push({ label, count: 0, why: whyNotAvailable(entry.status) });
  }
  view.received = mergeByLabel(view.received);
  view.notShared = uniqueLines(view.notShared);
  view.notAvailable = uniqueLines(view.notAvailable);
  return view;
}

/** Attachments not fetched, said plainly (the API keeps the exact reason). */
export function plainAttachmentReason(reason: string): string {
  if (reason.includes('outside the fhir base'))
    return 'kept on another website: not fetched with your hospital sign-in';
  if (/http 5\d\d|kept failing|request failed/.test(reason))
    return "the hospital's system failed to send them; we try again at later updates";
  if (reason.includes('http 403')) return 'the hospital refused to send them; we try again at later updates';
  if (reason.includes('http 404')) return 'the hospital could not find them';
  if (reason.includes('corrupt')) return 'they arrived damaged';
  if (reason.includes('larger than')) return 'too large to keep';
  return reason;
}

function uniqueLines(lines: CoverageLine[]): CoverageLine[] {
  const seen = new Map(lines.map((line) => [`${line.label}\n${line.why}`, line]));
  return [...seen.values()].sort((a, b) => a.label.localeCompare(b.label));
}

/** The binaries table's summary (binaries-repository.ts) in the report's shape. */
export function toAttachmentCoverage(summary: {
  fetched: number;
  missing: Array<{ reason: string; count: number }>;
}): { fetched: number; dropped: number; reasons: CountedReason[] } {
  const reasons = new Map<string, number>();
  for (const m of summary.missing) reasons.set(m.reason, (reasons.get(m.reason) ?? 0) + m.count);
  return {
    fetched: summary.fetched,
    dropped: [...reasons.values()].reduce((a, b) => a + b, 0),
    reasons: [...reasons].map(([reason, count]) => ({ reason, count })),
  };
}

/** Several searches can feed one line (a type searched per category without a label of its own). */
function mergeByLabel(lines: CoverageLine[]): CoverageLine[] {
  const merged = new Map<string, CoverageLine>();
  for (const line of lines) {
    const prior = merged.get(line.label);
    merged.set(line.label, prior ? { ...prior, count: prior.count + line.count } : { ...line });
  }
  return [...merged.values()].sort((a, b) => a.label.localeCompare(b.label));
}
