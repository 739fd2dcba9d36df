/** Runs `work` over `items` with at most `concurrency` in flight; the first rejection rejects the whole pool. */
export async function runPool<T>(
  items: T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let index = 0;
  let failed = false;
  async function worker(): Promise<void> {
    while (!failed && index < items.length) {
      const item = items[index]!;
      index += 1;
      try {
        await work(item);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  }
  const workers = Array.from({ length: Math.min(concurrency, items.length) }, () => worker());
  await Promise.all(workers);
}
