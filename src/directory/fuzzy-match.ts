/**
 * The smallest optimal-string-alignment distance (Levenshtein plus adjacent swaps) between `word` and any prefix of
 * `term`, or `maxDistance + 1` when it is larger. Prefix distance is what a patient typing needs: "kiaser perm"
 * should find "kaiser permanente". `scratch` rows are reused across calls to keep searches allocation-free.
 */
export function prefixDistance(
  word: string,
  term: string,
  maxDistance: number,
  scratch: Int32Array[],
): number {
  const n = word.length;
  const limit = Math.min(term.length, n + maxDistance);
  const [prev2, prev, row] = scratch as [Int32Array, Int32Array, Int32Array];
  for (let j = 0; j <= n; j++) prev[j] = j;
  let best = n <= maxDistance ? n : maxDistance + 1;
  let before = prev2;
  let above = prev;
  let current = row;
  for (let i = 1; i <= limit; i++) {
    current[0] = i;
    let rowMin = i;
    const t = term.charCodeAt(i - 1);
    for (let j = 1; j <= n; j++) {
      const w = word.charCodeAt(j - 1);
      let d = Math.min(above[j]! + 1, current[j - 1]! + 1, above[j - 1]! + (t === w ? 0 : 1));
      if (i > 1 && j > 1 && t === word.charCodeAt(j - 2) && term.charCodeAt(i - 2) === w) {
        d = Math.min(d, before[j - 2]! + 1);
      }
      current[j] = d;
      if (d < rowMin) rowMin = d;
    }
    if (current[n]! < best) best = current[n]!;
    if (rowMin > maxDistance) break;
    const spare = before;
    before = above;
    above = current;
    current = spare;
  }
  return best;
}

export function createScratch(maxLength = 64): Int32Array[] {
  return [new Int32Array(maxLength + 1), new Int32Array(maxLength + 1), new Int32Array(maxLength + 1)];
}
