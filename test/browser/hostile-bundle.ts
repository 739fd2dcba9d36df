import { randomUUID } from 'node:crypto';

/** Markup and URLs an attacker could put into an EHR record; each must show as text and load or run nothing. */
export const HOSTILE = {
  given: 'Eve<script>alert(1)</script>',
  family: 'Hostile<img src=x onerror=alert(2)>',
  condition: `<script>fetch('http://evil.example/c')</script>Flu`,
  lab: `<img src="http://evil.example/lab.png" onerror="alert('lab')">Glucose`,
  medication: 'javascript:alert(3)',
  allergy: `"><svg onload=alert(4)>Peanut`,
  encounter: '<style>body{display:none}</style>Visit',
  documentTitle: `<iframe src="http://evil.example/doc"></iframe>Note`,
  note: [
    '<h1>Clinic note</h1><p>Patient is well.</p>',
    '<script>alert(5)</script>',
    '<a href="javascript:alert(6)">click me</a>',
    '<img src="http://evil.example/note.png" onerror="alert(7)">',
    '<iframe src="http://evil.example/frame"></iframe>',
    '<p style="background:url(http://evil.example/bg.png)">Follow up in 2 weeks.</p>',
  ].join(''),
  narrative:
    '<div xmlns="http://www.w3.org/1999/xhtml"><script>alert(8)</script><img src="http://evil.example/n.png"/></div>',
};

/** A transaction Bundle for the sandbox's data folder: one patient whose every displayed string is hostile. */
export function buildHostileBundle(): object {
  const patientUrl = `urn:uuid:${randomUUID()}`;
  const subject = { reference: patientUrl };
  const text = { status: 'generated', div: HOSTILE.narrative };
  const lab = (value: number, day: string) => ({
    resourceType: 'Observation',
    status: 'final',
    text,
    category: [
      {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' },
        ],
      },
    ],
    code: {
      text: HOSTILE.lab,
      coding: [{ system: 'http://loinc.org', code: '2345-7', display: HOSTILE.lab }],
    },
    subject,
    effectiveDateTime: `${day}T09:00:00Z`,
    valueQuantity: { value, unit: '<b>mg/dL</b>' },
    referenceRange: [{ low: { value: 70 }, high: { value: 100 } }],
  });
  const resources: object[] = [
    {
      resourceType: 'Patient',
      text,
      name: [{ given: [HOSTILE.given], family: HOSTILE.family }],
      gender: 'female',
      birthDate: '1980-02-03',
    },
    {
      resourceType: 'Condition',
      text,
      clinicalStatus: { coding: [{ code: 'active' }] },
      code: { text: HOSTILE.condition },
      subject,
      onsetDateTime: '2024-01-02T00:00:00Z',
    },
    lab(88, '2024-03-01'),
    lab(131, '2024-06-01'),
    lab(97, '2024-09-01'),
    {
      resourceType: 'MedicationRequest',
      status: 'active',
      intent: 'order',
      medicationCodeableConcept: { text: HOSTILE.medication },
      subject,
      authoredOn: '2024-02-01T00:00:00Z',
    },
    {
      resourceType: 'AllergyIntolerance',
      clinicalStatus: { coding: [{ code: 'active' }] },
      code: { text: HOSTILE.allergy },
      patient: subject,
      recordedDate: '2023-05-05T00:00:00Z',
    },
    {
      resourceType: 'Encounter',
      status: 'finished',
      class: { code: 'AMB' },
      type: [{ text: HOSTILE.encounter }],
      subject,
      period: { start: '2024-03-01T08:00:00Z' },
    },
    {
      resourceType: 'DocumentReference',
      status: 'current',
      type: { text: HOSTILE.documentTitle },
      subject,
      date: '2024-03-01T10:00:00Z',
      content: [
        {
          attachment: {
            contentType: 'text/html',
            title: HOSTILE.documentTitle,
            data: Buffer.from(HOSTILE.note).toString('base64'),
          },
        },
      ],
    },
  ];
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: resources.map((resource, index) => ({
      fullUrl: index === 0 ? patientUrl : `urn:uuid:${randomUUID()}`,
      resource,
      request: { method: 'POST', url: (resource as { resourceType: string }).resourceType },
    })),
  };
}
