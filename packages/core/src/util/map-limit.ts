/**
 * Run `work` over `items` with at most `limit` calls in flight (a bounded
 * pool, like `-j`), keeping the results in order. The first rejection is
 * rethrown once the calls already started have settled; callers that want to
 * go on after a failure catch inside `work`.
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length)
  const width = Math.max(1, Math.min(Math.floor(limit) || 1, items.length))
  let next = 0
  let failure: { error: unknown } | undefined
  const worker = async (): Promise<void> => {
    while (next < items.length && !failure) {
      const index = next++
      try {
        results[index] = await work(items[index]!, index)
      } catch (error) {
        failure ??= { error }
      }
    }
  }
  await Promise.all(Array.from({ length: width }, worker))
  if (failure) throw failure.error
  return results
}
