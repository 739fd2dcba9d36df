import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import {
  buildBrandOrganization,
  buildEndpoint,
  buildFacilityOrganization,
  toBundleEntry,
  type BrandsResource,
} from './brands-resources.ts';
import {
  BRAND_CORES,
  BRAND_SUFFIXES,
  CITIES,
  FACILITY_TYPES,
  FAMOUS_BRANDS,
  STREETS,
  SURNAMES,
} from './synthetic-names.ts';

export interface SyntheticBrandsOptions {
  seed?: number;
  /** Total Organizations (brands + facilities); Epic publishes ~96,600. */
  organizations?: number;
  /** Endpoints (one per connectable brand); Epic publishes ~817. */
  endpoints?: number;
  timestamp?: string;
}

export interface SyntheticBrandsSummary {
  organizations: number;
  brands: number;
  facilities: number;
  endpoints: number;
  bytes: number;
}

/** A small seeded PRNG (mulberry32): the same seed always writes the same file. */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Yields the resources of a full-size synthetic Brands bundle shaped like Epic's: brands with a portal Endpoint
 * (carrying the developer-portal OrgId), ~10% of brands activated without any Endpoint, and facilities `partOf`
 * their brand, skewed so a few systems own thousands of facilities.
 */
export function* generateSyntheticBrands(options: SyntheticBrandsOptions = {}): Generator<BrandsResource> {
  const rng = createRng(options.seed ?? 1);
  const endpoints = options.endpoints ?? 817;
  const brands = endpoints + Math.round(endpoints * 0.11);
  const facilitiesPerBrand = spreadFacilities(
    Math.max(0, (options.organizations ?? 96_600) - brands),
    brands,
  );
  const facility = { index: 0, lastUpdated: options.timestamp ?? DEFAULT_TIMESTAMP };
  for (let b = 0; b < brands; b++) {
    const brand = describeBrand(b, rng.pick);
    const brandId = rng.uuid();
    const endpointId = b < endpoints ? rng.uuid() : undefined;
    yield buildBrandOrganization({
      ...brand,
      id: brandId,
      endpointId,
      ecmId: String(100_000 + b),
      portalName: 'MyChart',
    });
    if (endpointId) {
      const fhirBase = `https://epicproxy.et${1000 + b}.epichosted.com/APIProxyPRD/api/FHIR/R4`;
      yield buildEndpoint({
        id: endpointId,
        name: brand.name,
        fhirBase,
        brandId,
        portalOrgId: String(2000 + b),
      });
    }
    const homeCities = CITIES.filter(([, state]) => state === brand.state);
    for (let f = 0; f < facilitiesPerBrand[b]!; f++) {
      yield buildSyntheticFacility(
        rng,
        { ...brand, id: brandId, homeCities },
        facility.index++,
        facility.lastUpdated,
      );
    }
  }
}

interface Rng {
  random: () => number;
  pick: <T>(list: readonly T[]) => T;
  uuid: () => string;
}

function createRng(seed: number): Rng {
  const random = createRandom(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const uuid = () => {
    const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };
  return { random, pick, uuid };
}

/** Facility names the way Epic's look: "<brand> <city> <specialty>", "<surname> <specialty>", "<city> <specialty> – <brand>". */
function buildSyntheticFacility(
  rng: Rng,
  brand: { id: string; shortName: string; homeCities: Array<[string, string]> },
  index: number,
  lastUpdated: string,
): BrandsResource {
  const { random, pick } = rng;
  const [city, state] = random() < 0.75 && brand.homeCities.length ? pick(brand.homeCities) : pick(CITIES);
  const type = pick(FACILITY_TYPES);
  const style = random();
  const name =
    style < 0.6
      ? `${brand.shortName} ${city} ${type}`
      : style < 0.85
        ? `${pick(SURNAMES)} ${type}`
        : `${city} ${type} – ${brand.shortName}`;
  return buildFacilityOrganization({
    id: rng.uuid(),
    name,
    brandId: brand.id,
    facilityId: String(1_000_000 + index),
    lastUpdated,
    line: `${100 + Math.floor(random() * 9900)} ${pick(STREETS)}`,
    city,
    state,
    postalCode: String(10_000 + Math.floor(random() * 89_999)),
    phone: `+1-${200 + Math.floor(random() * 799)}-555-${String(Math.floor(random() * 10_000)).padStart(4, '0')}`,
  });
}

const DEFAULT_TIMESTAMP = '2026-01-01T00:00:00Z';

function describeBrand(index: number, pick: <T>(list: readonly T[]) => T) {
  const famous = FAMOUS_BRANDS[index];
  if (famous) return { ...famous, shortName: famous.name.split(' – ')[0]!, logoUrl: logoFor(index) };
  const n = index - FAMOUS_BRANDS.length;
  const core = BRAND_CORES[n % BRAND_CORES.length]!;
  const suffix = BRAND_SUFFIXES[Math.floor(n / BRAND_CORES.length) % BRAND_SUFFIXES.length]!;
  const [city, state] = pick(CITIES);
  const round = Math.floor(n / (BRAND_CORES.length * BRAND_SUFFIXES.length));
  const name = round === 0 ? `${core} ${suffix}` : `${core} ${suffix} of ${city}`;
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '');
  return {
    name,
    shortName: core,
    city,
    state,
    website: `https://www.${slug}.org`,
    aliases: [] as string[],
    logoUrl: logoFor(index),
  };
}

function logoFor(index: number): string {
  return `https://open.epic.com/Endpoints/Brands/logos/${index}.png`;
}

/** Zipf-like shares: the first brands own the most facilities, every brand owns at least a few. */
function spreadFacilities(total: number, brands: number): number[] {
  const weights = Array.from({ length: brands }, (_, i) => 1 / Math.pow(i + 8, 0.9));
  const sum = weights.reduce((a, b) => a + b, 0);
  const counts = weights.map((w) => Math.floor((w / sum) * total));
  let rest = total - counts.reduce((a, b) => a + b, 0);
  for (let i = 0; rest > 0; i = (i + 1) % brands, rest--) counts[i]!++;
  return counts;
}

/** Streams the synthetic bundle to `path` in 64 KB writes; memory stays flat whatever the size. */
export async function writeSyntheticBrandsBundle(
  path: string,
  options: SyntheticBrandsOptions = {},
  onProgress?: (organizations: number) => void,
): Promise<SyntheticBrandsSummary> {
  const out = createWriteStream(path);
  const summary: SyntheticBrandsSummary = {
    organizations: 0,
    brands: 0,
    facilities: 0,
    endpoints: 0,
    bytes: 0,
  };
  let pending = `{\n "resourceType": "Bundle",\n "type": "collection",\n "timestamp": "${options.timestamp ?? DEFAULT_TIMESTAMP}",\n "entry": [\n`;
  let first = true;
  const write = async (text: string) => {
    summary.bytes += Buffer.byteLength(text);
    if (!out.write(text)) await once(out, 'drain');
  };
  for (const resource of generateSyntheticBrands(options)) {
    pending += (first ? '' : ',\n') + JSON.stringify(toBundleEntry(resource), null, 1);
    first = false;
    count(summary, resource);
    if (pending.length >= 65_536) {
      await write(pending);
      pending = '';
      if (summary.organizations % 5000 < 50) onProgress?.(summary.organizations);
    }
  }
  await write(`${pending}\n ]\n}\n`);
  out.end();
  await once(out, 'finish');
  onProgress?.(summary.organizations);
  return summary;
}

function count(summary: SyntheticBrandsSummary, resource: BrandsResource): void {
  if (resource.resourceType === 'Endpoint') {
    summary.endpoints++;
    return;
  }
  summary.organizations++;
  if (resource.partOf) summary.facilities++;
  else summary.brands++;
}
