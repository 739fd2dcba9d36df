import type { FhirResource } from '../model.ts';
import type { ImportedBundle, OrgIdRegistry } from './import-bundle.ts';

const carinBase = 'http://hl7.org/fhir/us/carin-bb/StructureDefinition';
const eobProfiles: Record<string, string> = {
  institutional: `${carinBase}/C4BB-ExplanationOfBenefit-Outpatient-Institutional`,
  professional: `${carinBase}/C4BB-ExplanationOfBenefit-Professional-NonClinician`,
  pharmacy: `${carinBase}/C4BB-ExplanationOfBenefit-Pharmacy`,
  oral: `${carinBase}/C4BB-ExplanationOfBenefit-Oral`,
};

type Contained = FhirResource & { type?: { text?: string }; payor?: { display?: string }[] };

/**
 * A payer's view of a Synthea patient (REAL-WORLD.md "Payers and HIEs"): every ExplanationOfBenefit becomes a
 * CARIN Blue Button one whose contained Coverage is a Coverage resource of its own (one per distinct plan), each
 * EOB and Coverage gets a Provenance (payers send them for nearly everything), and the Claims go (payers serve
 * adjudicated EOBs, not claims). The US Core clinical resources stay. Ids come from the organisation's registry,
 * so the record is the same on every start.
 */
export function shapePayerRecord(imported: ImportedBundle, registry: OrgIdRegistry): FhirResource[] {
  const patientRef = `Patient/${imported.patient.id}`;
  const coverages = new Map<string, FhirResource>();
  const kept: FhirResource[] = [];
  const provenance: FhirResource[] = [];
  for (const resource of imported.compartment) {
    if (resource.resourceType === 'Claim') continue;
    kept.push(resource);
    if (resource.resourceType !== 'ExplanationOfBenefit') continue;
    const coverage = liftCoverage(resource, patientRef, coverages, registry);
    shapeEob(resource, coverage);
    provenance.push(createProvenance(resource, registry));
  }
  for (const coverage of coverages.values()) provenance.push(createProvenance(coverage, registry));
  return [...kept, ...coverages.values(), ...provenance];
}

function liftCoverage(
  eob: FhirResource,
  patientRef: string,
  coverages: Map<string, FhirResource>,
  registry: OrgIdRegistry,
): FhirResource | undefined {
  const contained = (eob.contained as Contained[] | undefined) ?? [];
  const source = contained.find((item) => item.resourceType === 'Coverage');
  eob.contained = contained.filter((item) => item.resourceType !== 'Coverage');
  if ((eob.contained as unknown[]).length === 0) delete eob.contained;
  if (!source) return undefined;
  const plan = source.type?.text ?? source.payor?.[0]?.display ?? 'plan';
  const existing = coverages.get(plan);
  if (existing) return existing;
  const coverage: FhirResource = {
    resourceType: 'Coverage',
    id: registry.newId(`${registry.orgId}|Coverage|${patientRef}|${plan}`),
    meta: { profile: [`${carinBase}/C4BB-Coverage`] },
    status: 'active',
    type: { text: plan },
    subscriberId: registry.newId(`${registry.orgId}|subscriber|${patientRef}`).slice(0, 12),
    beneficiary: { reference: patientRef },
    relationship: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/subscriber-relationship', code: 'self' }],
    },
    period: { start: String(eob.created ?? '').slice(0, 10) || undefined },
    payor: [{ display: source.payor?.[0]?.display ?? plan }],
  };
  coverages.set(plan, coverage);
  return coverage;
}

function shapeEob(eob: FhirResource, coverage: FhirResource | undefined): void {
  const type = (eob.type as { coding?: { code?: string }[] } | undefined)?.coding?.[0]?.code ?? '';
  eob.meta = { ...eob.meta, profile: [eobProfiles[type] ?? eobProfiles.professional!] };
  // CARIN BB EOBs stand alone: the Claim they adjudicated is not served by payers.
  delete eob.claim;
  const insurance = (eob.insurance as { coverage?: { reference?: string; display?: string } }[] | undefined) ?? [];
  for (const item of insurance) {
    if (coverage && item.coverage?.reference?.startsWith('#')) {
      item.coverage = { reference: `Coverage/${coverage.id}`, display: item.coverage.display };
    }
  }
}

function createProvenance(target: FhirResource, registry: OrgIdRegistry): FhirResource {
  const recorded = String(target.created ?? (target.period as { start?: string } | undefined)?.start ?? '');
  return {
    resourceType: 'Provenance',
    id: registry.newId(`${registry.orgId}|Provenance|${target.resourceType}/${target.id}`),
    meta: { profile: ['http://hl7.org/fhir/us/core/StructureDefinition/us-core-provenance'] },
    target: [{ reference: `${target.resourceType}/${target.id}` }],
    recorded: recorded.length >= 10 ? recorded : '2026-01-01T00:00:00Z',
    agent: [
      {
        type: {
          coding: [{ system: 'http://hl7.org/fhir/us/core/CodeSystem/us-core-provenance-participant-type', code: 'transmitter' }],
        },
        who: { display: 'Sandbox Health Plan' },
      },
    ],
  };
}
