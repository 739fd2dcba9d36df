import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSearchIndex, type SearchableOrganization } from './search-index.ts';

const org = (
  id: string,
  name: string,
  more: Partial<SearchableOrganization> = {},
): SearchableOrganization => ({
  id,
  name,
  kind: 'facility',
  aliases: [],
  city: null,
  state: null,
  website: null,
  endpointId: `ep-${id}`,
  ...more,
});

const index = buildSearchIndex([
  org('kp-atl', 'Kaiser Permanente Atlanta Medical Center', {
    city: 'Atlanta',
    state: 'GA',
    endpointId: 'ep-kp',
  }),
  org('kp', 'Kaiser Permanente – Georgia', {
    kind: 'brand',
    city: 'Atlanta',
    state: 'GA',
    aliases: ['KP Georgia'],
    website: 'https://healthy.kaiserpermanente.org',
    endpointId: 'ep-kp',
  }),
  org('kp-legacy', 'Kaiser Permanente - Georgia', { kind: 'brand', endpointId: 'ep-kp' }),
  org('chco', "Children's Hospital Colorado", { kind: 'brand', city: 'Aurora', state: 'CO' }),
  org('chco-north', "Children's Hospital Colorado North Campus", { city: 'Broomfield', state: 'CO' }),
  org('summit', 'Summit Health', { kind: 'brand', city: 'Madison', state: 'WI' }),
  org('summit-madison', 'Summit Madison East Clinic', { city: 'Madison', state: 'WI' }),
  org('geisinger', 'Geisinger', { kind: 'brand', city: 'Danville', state: 'PA' }),
]);

const first = (query: string) => index.search(query, 5)[0]?.id;
const ids = (query: string, limit = 5) => index.search(query, limit).map((h) => h.id);

test('names patients type find the brand first, before its facilities', () => {
  assert.equal(first('kaiser georgia'), 'kp');
  assert.equal(first('kaiser'), 'kp');
  assert.equal(first('childrens colorado'), 'chco');
  assert.deepEqual(ids('children'), ['chco', 'chco-north']);
});

test('typos and prefixes are tolerated', () => {
  assert.equal(first('geisenger'), 'geisinger', 'one substitution');
  assert.equal(first('kiaser georiga'), 'kp', 'two swaps');
  assert.equal(first('kais perm'), 'kp', 'prefixes');
  assert.equal(first('childrns'), 'chco', 'one deletion');
  assert.deepEqual(ids('zzzz'), []);
});

test('city, state, alias and website domain find organisations', () => {
  assert.equal(first('madison'), 'summit', 'brand whose address is in the city');
  assert.equal(first('danville pa'), 'geisinger');
  assert.equal(first('kp georgia'), 'kp');
  assert.equal(first('kaiserpermanente.org'), 'kp');
  assert.equal(first('colorado'), 'chco');
});

test('the same organisation from two sources is shown once; limits and odd input are safe', () => {
  assert.deepEqual(ids('kaiser permanente georgia'), ['kp', 'kp-atl']);
  assert.equal(index.search('health', 1).length, 1);
  assert.deepEqual(ids('  '), ids(''), 'blank is the same as empty');
  assert.deepEqual(ids('%_\'"; drop table'), []);
  assert.deepEqual(ids('the of and'), []);
  assert.equal(first(`${'x'.repeat(500)} geisinger`), undefined);
});

test('an empty query lists connectable organisations: brands first, one per name and endpoint, up to the limit', () => {
  assert.deepEqual(
    index.search('', 100).map((h) => h.id),
    ['kp', 'chco', 'summit', 'geisinger', 'kp-atl', 'chco-north', 'summit-madison'],
  );
  assert.deepEqual(
    index.search('', 2).map((h) => h.id),
    ['kp', 'chco'],
  );
});

test('a brand that matches is listed before its own facilities even when they score higher', () => {
  const brandFirst = buildSearchIndex([
    org('clinic', 'Riversyde Madison Clinic', { brandId: 'riverside', city: 'Madison', state: 'WI' }),
    org('riverside', 'Riverside Health', { kind: 'brand', city: 'Madison', state: 'WI' }),
    org('other', 'Madison Family Practice', { city: 'Madison', state: 'WI' }),
  ]);
  assert.deepEqual(
    brandFirst.search('riversyde madison', 5).map((h) => h.id),
    ['riverside', 'clinic'],
  );
});
