/**
 * Waits for every start; if one failed, releases the ones that started (so no process
 * outlives the test) and throws the first failure.
 */
export async function startAll<T>(starts: Promise<T>[], release: (started: T) => Promise<void>): Promise<T[]> {
  const settled = await Promise.allSettled(starts);
  const started = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failure = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failure) {
    await Promise.all(started.map(release));
    throw failure.reason;
  }
  return started;
}
