import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Bundle, Observation } from '@medplum/fhirtypes';
import { buildObservationSeries } from './observation-series.ts';
import { buildRecordSummary, type SourcedResource } from './record-summary.ts';
import { TrendChart } from './trend-chart.tsx';

const fixture = new URL(
  '../../../fixtures/patients/Dennis_Durgan_78f005f3-7b33-4a5b-84d9-28417b36dbab.json',
  import.meta.url,
);

function fixtureResources(): SourcedResource[] {
  const bundle = JSON.parse(readFileSync(fixture, 'utf8')) as Bundle;
  return (bundle.entry ?? []).map((e, i) => ({
    source: 'Sandbox Hospital',
    resource: { ...(e.resource as object as SourcedResource['resource']), id: String(i) },
  }));
}

test('observation series group numeric labs and vitals by code and split blood pressure components', () => {
  const resources = fixtureResources();
  const observations = resources
    .filter((r) => r.resource.resourceType === 'Observation')
    .map((r) => r.resource as unknown as Observation);
  const series = buildObservationSeries(observations);
  const numericObservations = observations.filter(
    (o) =>
      o.valueQuantity?.value !== undefined &&
      o.category?.some((c) => c.coding?.some((x) => x.code === 'laboratory' || x.code === 'vital-signs')),
  );
  const componentPoints = observations.flatMap((o) =>
    o.valueQuantity ? [] : (o.component ?? []).filter((c) => c.valueQuantity?.value !== undefined),
  );
  assert.equal(
    series.reduce((n, s) => n + s.points.length, 0),
    numericObservations.length + componentPoints.length,
  );
  const systolic = series.find((s) => s.key === 'http://loinc.org|8480-6');
  assert.ok(systolic, 'systolic blood pressure series exists');
  assert.equal(systolic.unit, 'mmHg', 'the ucum code mm[Hg] reads mmHg');
  assert.ok(
    systolic.points.every((p, i, all) => i === 0 || all[i - 1]!.at <= p.at),
    'points are in time order',
  );
});

test('record summary sorts active items first and finds attachments that point at Binary', () => {
  const summary = buildRecordSummary([
    {
      source: 'A',
      resource: {
        resourceType: 'Condition',
        id: '1',
        code: { text: 'Old' },
        clinicalStatus: { coding: [{ code: 'resolved' }] },
        onsetDateTime: '2020-01-01',
      },
    },
    {
      source: 'B',
      resource: {
        resourceType: 'Condition',
        id: '2',
        code: { text: 'Current' },
        clinicalStatus: { coding: [{ code: 'active' }] },
        onsetDateTime: '2010-01-01',
      },
    },
    {
      source: 'A',
      resource: {
        resourceType: 'DocumentReference',
        id: 'd',
        type: { text: 'Note' },
        date: '2021-02-03',
        content: [
          { attachment: { url: 'https://ehr/api/FHIR/R4/Binary/abc.1', contentType: 'text/html' } },
          { attachment: { url: 'https://elsewhere/../x' } },
        ],
      },
    },
  ]);
  assert.deepEqual(
    summary.problems.map((p) => [p.title, p.source, p.active]),
    [
      ['Current', 'B', true],
      ['Old', 'A', false],
    ],
  );
  assert.deepEqual(summary.documents[0]?.attachments, [
    { binaryId: 'abc.1', contentType: 'text/html', title: 'Attachment' },
  ]);
});

test('the trend chart renders escaped labels, a reference band and one point per result', async () => {
  const chart = TrendChart({
    series: {
      key: 'k',
      name: '<img src=x onerror=alert(1)>',
      unit: 'mg/dL',
      category: 'laboratory',
      low: 70,
      high: 100,
      points: [
        { at: Date.UTC(2020, 0, 1), value: 90 },
        { at: Date.UTC(2021, 0, 1), value: 120 },
      ],
    },
  });
  const html = String(await chart);
  assert.equal((html.match(/<circle /g) ?? []).length, 2);
  assert.equal((html.match(/<rect class="chart-range"/g) ?? []).length, 1);
  assert.ok(!html.includes('<img'), 'hostile names are escaped');
  assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'));
});

test('a systolic chart reads 110.13 on its axis and its caption, with the unit for people', async () => {
  const { RecordView } = await import('./record-page.tsx');
  const reading = (id: string, date: string, value: number): SourcedResource => ({
    source: 'A',
    resource: {
      resourceType: 'Observation',
      id,
      category: [{ coding: [{ code: 'vital-signs' }] }],
      code: { text: 'Systolic', coding: [{ system: 'http://loinc.org', code: '8480-6' }] },
      effectiveDateTime: date,
      valueQuantity: { value, unit: 'mm[Hg]', code: 'mm[Hg]' },
      referenceRange: [{ low: { value: 90 }, high: { value: 100 } }],
    },
  });
  const html = String(
    await RecordView({
      // The newest result stored twice (two panels): the trend still compares with the result before it.
      resources: [
        reading('1', '2024-01-01', 99),
        reading('2', '2024-02-01', 110.13),
        reading('3', '2024-02-01', 110.13),
      ],
      documentHref: () => '',
    }),
  );
  assert.match(html, /<text class="chart-axis" x="2" y="12">110.13 mmHg<\/text>/);
  assert.match(html, /latest 110.13 mmHg ↑/);
  assert.match(html, /mmHg · normal 90–100/);
  assert.ok(!html.includes('mm[Hg]'));
});

test('the record view renders every summary section, charts for labs and vitals, and escapes hostile text', async () => {
  const { RecordView } = await import('./record-page.tsx');
  const hostile = '<script>fetch("https://evil.example")</script>';
  const resources = [
    ...fixtureResources(),
    {
      source: hostile,
      resource: {
        resourceType: 'Condition',
        id: 'x',
        code: { text: hostile },
        clinicalStatus: { coding: [{ code: 'active' }] },
      },
    },
  ];
  const html = String(
    await RecordView({ resources, documentHref: (_d, id) => `/binary/${encodeURIComponent(id)}` }),
  );
  for (const id of [
    'problems',
    'medications',
    'allergies',
    'immunizations',
    'labs',
    'vitals',
    'timeline',
    'documents',
  ]) {
    assert.ok(html.includes(`<section id="${id}"`), `section ${id}`);
  }
  assert.ok(!html.includes('<script'), 'no script element rendered');
  assert.ok(html.includes('&lt;script&gt;fetch('));
  assert.ok((html.match(/<svg class="chart"/g) ?? []).length >= 4, 'charts rendered');
});

test('the lists say clinical statuses in plain words, never the raw FHIR codes', async () => {
  const { RecordView } = await import('./record-page.tsx');
  const item = (resourceType: string, id: string, fields: Record<string, unknown>): SourcedResource => ({
    source: 'A',
    resource: { resourceType, id, ...fields },
  });
  const resources = [
    item('Condition', 'c1', { code: { text: 'Asthma' }, clinicalStatus: { coding: [{ code: 'resolved' }] } }),
    item('Condition', 'c2', { code: { text: 'Flu' }, clinicalStatus: { coding: [{ code: 'active' }] } }),
    item('MedicationRequest', 'm1', {
      medicationCodeableConcept: { text: 'Aspirin' },
      status: 'stopped',
      dosageInstruction: [{ text: '1 tablet daily' }],
    }),
    item('MedicationRequest', 'm2', { medicationCodeableConcept: { text: 'Insulin' }, status: 'active' }),
    item('Immunization', 'i1', { vaccineCode: { text: 'Influenza' }, status: 'completed' }),
    item('AllergyIntolerance', 'a1', {
      code: { text: 'Penicillin' },
      criticality: 'high',
      clinicalStatus: { coding: [{ code: 'active' }] },
    }),
    item('AllergyIntolerance', 'a2', {
      code: { text: 'Peanut' },
      clinicalStatus: { coding: [{ code: 'resolved' }] },
      reaction: [{ manifestation: [{ text: 'Hives' }] }],
    }),
    item('Encounter', 'e1', { type: [{ text: 'Checkup' }], period: { start: '2024-01-01' } }),
  ];
  const summary = buildRecordSummary(resources);
  const details = (list: keyof typeof summary) =>
    summary[list].map((i) => [i.title, (i as { detail?: string }).detail]);
  assert.deepEqual(details('problems'), [
    ['Flu', 'Active'],
    ['Asthma', 'Resolved'],
  ]);
  assert.deepEqual(details('medications'), [
    ['Insulin', 'Taking'],
    ['Aspirin', 'Stopped · 1 tablet daily'],
  ]);
  assert.deepEqual(details('immunizations'), [['Influenza', 'Given']]);
  assert.deepEqual(details('allergies'), [
    ['Penicillin', 'High risk'],
    ['Peanut', 'Resolved · Hives'],
  ]);
  assert.deepEqual(details('timeline'), [['Checkup', 'Visit']]);
  const html = String(await RecordView({ resources, documentHref: () => '' }));
  const metas = [...html.matchAll(/<span class="item-meta">([^<]*)/g)].map((m) => m[1]!);
  for (const code of ['active', 'resolved', 'stopped', 'completed', 'high', 'Encounter']) {
    assert.ok(!metas.some((meta) => new RegExp(`\\b${code}\\b`).test(meta)), `no raw "${code}" in a list`);
  }
});
