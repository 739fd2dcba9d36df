import type { FhirResource } from '../model.ts';

/**
 * A generated C-CDA summary (LOINC 34133-9) for a patient: a DocumentReference plus its XML Binary, like the
 * "Generated CDAs" Epic lists among a patient's documents. The XML is a minimal, well-formed ClinicalDocument.
 */
export function createSummaryDocument(
  patient: FhirResource,
  orgId: string,
  asOf: number,
  newId: (seed: string) => string,
): FhirResource[] {
  const documentId = newId(`${orgId}|summary|${patient.id}`);
  const binaryId = newId(`${orgId}|summary-binary|${patient.id}`);
  const xml = renderCcda(patient, new Date(asOf));
  const bytes = Buffer.from(xml, 'utf8');
  const date = new Date(asOf).toISOString();
  const document: FhirResource = {
    resourceType: 'DocumentReference',
    id: documentId,
    meta: { versionId: '1', lastUpdated: date },
    status: 'current',
    type: { coding: [{ system: 'http://loinc.org', code: '34133-9', display: 'Summary of episode note' }], text: 'Summary of Care' },
    subject: { reference: `Patient/${patient.id}` },
    date,
    content: [
      {
        attachment: { contentType: 'application/xml', url: `Binary/${binaryId}`, size: bytes.byteLength, title: 'Summary of Care' },
        format: { system: 'http://ihe.net/fhir/ValueSet/IHE.FormatCode.codesystem', code: 'urn:hl7-org:sdwg:ccda-structuredBody:2.1' },
      },
    ],
  };
  const binary: FhirResource = {
    resourceType: 'Binary',
    id: binaryId,
    meta: { versionId: '1', lastUpdated: date },
    contentType: 'application/xml',
    securityContext: { reference: `DocumentReference/${documentId}` },
    data: bytes.toString('base64'),
  };
  return [document, binary];
}

function renderCcda(patient: FhirResource, when: Date): string {
  const name = ((patient.name as { given?: string[]; family?: string }[] | undefined) ?? [])[0];
  const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const stamp = when.toISOString().replace(/[-:]/g, '').slice(0, 15);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<ClinicalDocument xmlns="urn:hl7-org:v3">',
    '  <templateId root="2.16.840.1.113883.10.20.22.1.1" extension="2015-08-01"/>',
    '  <code code="34133-9" codeSystem="2.16.840.1.113883.6.1" displayName="Summary of episode note"/>',
    '  <title>Summary of Care</title>',
    `  <effectiveTime value="${stamp}"/>`,
    '  <recordTarget><patientRole><patient><name>',
    `    <given>${escape(name?.given?.[0] ?? '')}</given><family>${escape(name?.family ?? '')}</family>`,
    '  </name></patient></patientRole></recordTarget>',
    '</ClinicalDocument>',
    '',
  ].join('\n');
}
