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
import { startFhirHarness, type FhirHarness } from './fhir-test-harness.ts';
import { searchableTypes } from './resource-kinds.ts';

type Bundle = {
  link: { relation: string; url: string }[];
  entry: { resource?: FhirResource; search?: { mode: string } }[];
};

/** The searches a patient-access client makes per type (EPIC.md §5): one per category where Epic needs one. */
const categoryQueries: Record<string, { categories: string[]; plain: boolean }> = {
  Observation: { categories: observationCategories, plain: false },
  Condition: { categories: conditionCategories, plain: true },
  CarePlan: { categories: carePlanCategories, plain: false },
  DocumentReference: { categories: ['clinical-note'], plain: true },
};

let data: MutableDataStore;
let harness: FhirHarness;

before(async () => {
  data = await loadSandboxData({ large: true });
  harness = await startFhirHarness(data, { pageSize: 17 });
});
after(() => harness.close());

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

describe('searching every fixture patient', () => {
  it('returns every resource of every USCDI v3 type, exactly once per query it matches, across pages', async () => {
    let resources = 0;
    for (const org of data.organizations()) {
      for (const patient of org.patients) {
        const token = harness.issueToken({ orgId: org.id, patientId: patient.id });
        const base = `${harness.fhirBase(org.id)}`;
        for (const type of [...searchableTypes, 'Patient']) {
          const plan = categoryQueries[type] ?? { categories: [], plain: true };
          const queries = plan.categories.map(
            (code) => `${base}/${type}?patient=${patient.id}&category=${code}`,
          );
          if (plan.plain)
            queries.push(
              type === 'Patient'
                ? `${base}/Patient?_id=${patient.id}`
                : `${base}/${type}?patient=${patient.id}`,
            );
          const hits = new Map<string, number>();
          for (const query of queries) {
            const ids = await pageThrough(query, token);
            assert.equal(new Set(ids).size, ids.length, `duplicates in ${query}`);
            for (const id of ids) hits.set(id, (hits.get(id) ?? 0) + 1);
          }
          const expected = data.patientResources(org.id, patient.id, type);
          for (const resource of expected) {
            const want = expectedHits(resource);
            assert.ok(want >= 1, `${type}/${resource.id} is reachable by no search`);
            assert.equal(hits.get(resource.id), want, `${type}/${resource.id} of ${patient.username}`);
          }
          assert.equal(
            hits.size,
            expected.length,
            `${type} of ${patient.username}: unexpected extra results`,
          );
          resources += expected.length;
        }
      }
    }
    assert.ok(resources > 8000, `${resources} resources checked`);
  });
});
