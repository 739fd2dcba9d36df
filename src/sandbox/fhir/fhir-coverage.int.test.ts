import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  carePlanCategories,
  conditionCategories,
  observationCategories,
  readCategoryCodes,
} from '../data/epic-shape.ts';
import { loadSandboxData } from '../data/load-data.ts';
import type { MutableDataStore } from '../data/memory-store.ts';
import type { FhirResource } from '../model.ts';
import { startFhirHarness, type FhirHarness } from '../../testing/sandbox/fhir-test-harness.ts';
import { searchableTypes } from './resource-kinds.ts';

type Bundle = {
  link: { relation: string; url: string }[];
  entry: { resource?: FhirResource; search?: { mode: string } }[];
};

/** The searches a patient-access client makes per type (docs/epic-facts.md §5): one per category where Epic needs one. */
const categoryQueries: Record<string, { categories: string[]; plain: boolean }> = {
  Observation: { categories: observationCategories, plain: false },
  Condition: { categories: conditionCategories, plain: true },
  CarePlan: { categories: carePlanCategories, plain: false },
  DocumentReference: { categories: ['clinical-note'], plain: true },
};

let data: MutableDataStore;
let harness: FhirHarness;
let synthetic: MutableDataStore;
let syntheticHarness: FhirHarness;

before(async () => {
  data = await loadSandboxData({ large: true });
  harness = await startFhirHarness(data, { pageSize: 17 });
  synthetic = await loadSandboxData({ synthetic: { patients: 3, resourcesPerPatient: 400, seed: 3 } });
  syntheticHarness = await startFhirHarness(synthetic, { pageSize: 23 });
});
after(async () => {
  await harness.close();
  await syntheticHarness.close();
});

async function pageThrough(url: string, token: string): Promise<string[]> {
  const ids: string[] = [];
  let next: string | undefined = url;
  while (next) {
    const res: Response = await fetch(next, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200, next);
    const bundle = (await res.json()) as Bundle;
    ids.push(...bundle.entry.filter((e) => e.search?.mode === 'match').map((e) => e.resource!.id));
    next = bundle.link.find((link) => link.relation === 'next')?.url;
  }
  return ids;
}

/** How many of the planned queries of its type a resource matches. */
function expectedHits(resource: FhirResource): number {
  const plan = categoryQueries[resource.resourceType];
  if (!plan) return 1;
  const codes = new Set(readCategoryCodes(resource));
  return plan.categories.filter((code) => codes.has(code)).length + (plan.plain ? 1 : 0);
}

/** Runs every planned query for every patient and checks each resource's hit count; returns resources checked. */
async function checkCoverage(store: MutableDataStore, server: FhirHarness): Promise<number> {
  let resources = 0;
  for (const org of store.organizations()) {
    for (const patient of org.patients) {
      const token = server.issueToken({ orgId: org.id, patientId: patient.id });
      for (const type of [...searchableTypes, 'Patient']) {
        const hits = new Map<string, number>();
        for (const query of planQueries(server.fhirBase(org.id), type, patient.id)) {
          const ids = await pageThrough(query, token);
          assert.equal(new Set(ids).size, ids.length, `duplicates in ${query}`);
          for (const id of ids) hits.set(id, (hits.get(id) ?? 0) + 1);
        }
        const expected = store.patientResources(org.id, patient.id, type);
        for (const resource of expected) {
          const want = expectedHits(resource);
          assert.ok(want >= 1, `${type}/${resource.id} is reachable by no search`);
          assert.equal(hits.get(resource.id), want, `${type}/${resource.id} of ${patient.username}`);
        }
        assert.equal(hits.size, expected.length, `${type} of ${patient.username}: unexpected extra results`);
        resources += expected.length;
      }
    }
  }
  return resources;
}

function planQueries(base: string, type: string, patientId: string): string[] {
  const plan = categoryQueries[type] ?? { categories: [], plain: true };
  const queries = plan.categories.map((code) => `${base}/${type}?patient=${patientId}&category=${code}`);
  if (plan.plain) {
    queries.push(
      type === 'Patient' ? `${base}/Patient?_id=${patientId}` : `${base}/${type}?patient=${patientId}`,
    );
  }
  return queries;
}

describe('searching every patient', () => {
  it('returns every fixture resource of every USCDI v3 type, exactly once per query it matches, across pages', async () => {
    const resources = await checkCoverage(data, harness);
    assert.ok(resources > 8000, `${resources} resources checked`);
  });

  it('does the same for synthetic patients', async () => {
    assert.equal(await checkCoverage(synthetic, syntheticHarness), 3 * 400);
  });
});
