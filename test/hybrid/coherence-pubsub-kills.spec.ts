import { setTimeout as sleep } from 'node:timers/promises';
import { BACKEND_UNDER_TEST } from './coherence/coherence-env';
import { LONG_RUN } from './coherence/coherence-scenario';
import { expectCoherent, judgeScenario } from './coherence/coherence-verdict';
import { standaloneRig } from './coherence/standalone-rig';

/** Often enough for several kills per burst, seldom enough that each finds the subscribers back. */
const KILL_EVERY_MS = 1200;

const rig = standaloneRig();

/** Kills every pub/sub connection of the server, over and over, until stopped; resolves with the clients each kill closed. */
function killSubscribersRepeatedly(): { stop(): Promise<number[]> } {
  const closed: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      await sleep(KILL_EVERY_MS);
      if (running) closed.push(Number(await rig.raw.call('CLIENT', 'KILL', 'TYPE', 'pubsub')));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return closed;
    },
  };
}

it('3 processes while the subscriber connections are killed again and again: over 100,000 operations, no stale read beyond the bound, caches converge', async () => {
  await rig.startFleet([0, 1, 2].map(() => rig.workerEnv()));
  const killer = killSubscribersRepeatedly();
  const result = await rig.runScenario({ ...LONG_RUN, seed: 2 });
  const kills = await killer.stop();
  const report = judgeScenario(`${BACKEND_UNDER_TEST}, 3 processes, subscribers killed`, result, {
    figures: { kills: kills.length, 'connections killed': kills.reduce((sum, n) => sum + n, 0) },
  });

  expect(kills.length).toBeGreaterThanOrEqual(5);
  // Each kill must have found subscribers to close, or the test proved nothing.
  expect(kills.filter((n) => n > 0).length).toBeGreaterThanOrEqual(5);
  expect(report.operations).toBeGreaterThanOrEqual(100_000);
  expectCoherent(report, result);
}, 300_000);
