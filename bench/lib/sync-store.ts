import { createTestStore } from '../../src/testing/databases.ts';
import { createResourcesRepository } from '../../src/store/resources-repository.ts';
import { prepareResource } from '../../src/sync/prepare-resource.ts';
import type { ResourceRecord } from '../../src/store/resources-repository.ts';

/** Store alone: resources/second ingested from parsed 50-resource pages, one transaction per page, SQLite. */
export async function measureStore(total: number): Promise<{ wall: number; cpu: number }> {
  const { store, cleanup } = await createTestStore('sqlite');
  try {
    const repo = createResourcesRepository(store.db, store.sqlite);
    const pages = Array.from({ length: Math.ceil(total / 50) }, (_, p) =>
      Array.from({ length: 50 }, (_, i) => syntheticObservation(p * 50 + i)),
    );
    const started = performance.now();
    const cpu = process.cpuUsage();
    for (const page of pages) {
      const records: ResourceRecord[] = [];
      for (const resource of page) {
        const prepared = prepareResource(resource);
        if (prepared.ok) records.push(prepared.record);
      }
      await repo.ingestPage({ connectionId: 'bench', runId: 'run-1', now: Date.now(), resources: records });
    }
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    return {
      wall: (pages.length * 50) / seconds,
      cpu: (pages.length * 50) / ((used.user + used.system) / 1e6),
    };
  } finally {
    await cleanup();
  }
}

function syntheticObservation(n: number): Record<string, unknown> {
  const day = new Date(Date.UTC(2016, 0, 1) + n * 3600_000).toISOString();
  return {
    resourceType: 'Observation',
    id: `e${n.toString(36).padStart(8, '0')}.bench-ob${n}`,
    meta: { versionId: '1', lastUpdated: day },
    status: 'final',
    category: [
      {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/observation-category',
            code: 'laboratory',
            display: 'Laboratory',
          },
        ],
      },
    ],
    code: {
      coding: [
        { system: 'http://loinc.org', code: '2345-7', display: 'Glucose [Mass/volume] in Serum or Plasma' },
      ],
      text: 'Glucose',
    },
    subject: { reference: 'Patient/eBench', display: 'Bench Patient' },
    encounter: { reference: `Encounter/e${(n >> 4).toString(36)}` },
    effectiveDateTime: day,
    issued: day,
    valueQuantity: {
      value: 70 + (n % 50),
      unit: 'mg/dL',
      system: 'http://unitsofmeasure.org',
      code: 'mg/dL',
    },
    referenceRange: [
      { low: { value: 70, unit: 'mg/dL' }, high: { value: 99, unit: 'mg/dL' }, text: '70-99 mg/dL' },
    ],
  };
}
