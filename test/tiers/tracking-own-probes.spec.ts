import { BUS_HEARTBEAT_INTERVAL_MS } from '../../src/bus/bus-timing';
import type { CacheManagerService } from '../../src/service/cache-manager.service';
import { redisAppFixture } from '../helpers/redis-app-fixture';
import { until } from '../helpers/until';

/**
 * Each process tracks its own probe keys only. Were every process told of every other
 * process's probes, the reports Redis sends would grow with the square of the fleet.
 */
const fixture = redisAppFixture();
const OTHERS = 5;
const WINDOW_MS = 4000;

it(`a process beside ${OTHERS} others is sent reports of its own probes, not of theirs`, async () => {
  const env = { CACHE_L1_INVALIDATION: 'tracking' };
  const caches: CacheManagerService[] = [];
  for (let i = 0; i <= OTHERS; i++) caches.push(await fixture.cacheOn('hybrid', env));
  await until(() => caches.every((cache) => cache.getStats().tiers!.bus.live), 'every path to be live', 15_000);
  const [watched] = caches;
  const before = watched.getStats().tiers!.bus.tracking!.reports;
  await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
  const reports = watched.getStats().tiers!.bus.tracking!.reports - before;
  const ownProbes = WINDOW_MS / BUS_HEARTBEAT_INTERVAL_MS;
  // Its own: a report or two per probe. Everyone's: six times as many.
  // Reports flow (a loaded machine may run fewer ticks than the window holds, never more).
  expect(reports).toBeGreaterThan(0);
  expect(reports).toBeLessThanOrEqual(2 * ownProbes + 4);
});
