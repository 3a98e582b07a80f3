/**
 * How long this process waited for the CPU while the monitor ran: the sum of how late each
 * of its 10 ms ticks fired. Every process on the machine competes for the same cores, so
 * on a loaded machine this is also about how much longer another process's work took than
 * its code needed. A bound on another process's wall time that must hold on a loaded
 * machine is judged as `bound + lag`: on a quiet machine the lag is near 0, and the bound
 * is the same.
 */
export function startSchedulingLag(tickMs = 10): { stop(): number } {
  let lagMs = 0;
  let expected = performance.now() + tickMs;
  const timer = setInterval(() => {
    const now = performance.now();
    lagMs += Math.max(0, now - expected);
    expected = now + tickMs;
  }, tickMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      const now = performance.now();
      return lagMs + Math.max(0, now - expected);
    },
  };
}
