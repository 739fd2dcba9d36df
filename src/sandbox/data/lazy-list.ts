import type { FhirResource } from '../model.ts';

/**
 * An array whose items are built when read, so a 200,000-resource synthetic patient costs almost no memory until
 * a search walks it (and then only as long as the caller keeps the items). It behaves like a read-only array for
 * indexing, `length`, iteration and the Array.prototype methods.
 */
export function createLazyList(length: number, build: (index: number) => FhirResource): FhirResource[] {
  const isIndex = (prop: string | symbol): prop is string => typeof prop === 'string' && /^\d+$/.test(prop);
  return new Proxy([] as FhirResource[], {
    get(target, prop, receiver) {
      if (prop === 'length') return length;
      if (isIndex(prop)) {
        const index = Number(prop);
        return index < length ? build(index) : undefined;
      }
      return Reflect.get(target, prop, receiver) as unknown;
    },
    has(target, prop) {
      if (isIndex(prop)) return Number(prop) < length;
      return Reflect.has(target, prop);
    },
    set() {
      throw new TypeError('synthetic resource lists are read-only');
    },
  });
}

/** Small, fast, seedable PRNG (mulberry32); the generator's only source of variety. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 32-bit hash of several integers (FNV-1a over their decimal text), for per-resource seeds. */
export function hashNumbers(...values: number[]): number {
  let hash = 0x811c9dc5;
  for (const char of values.join(':')) {
    hash ^= char.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
