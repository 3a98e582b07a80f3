/**
 * One app process of the fleet-lock tests, forked by CallerProcess. Once its cache answers
 * (test/helpers/worker-app.ts), it runs bursts of getOrSet callers on command
 * (caller-protocol.ts).
 */
import { notifyParent, serveWorkerApp } from '../../helpers/worker-app';
import { runCallerBurst, type FactoryControl } from './caller-burst';
import type { CallerCommand, CallerReply } from './caller-protocol';

/** Factories that wait for the parent, per key: the parent ends them with 'finish-factory'. */
function parentControl(worker: number): FactoryControl & { finish(key: string): void } {
  const waiting = new Map<string, (() => void)[]>();
  return {
    started: (key) => notifyParent<CallerReply>({ type: 'factory-started', worker, key, at: Date.now() }),
    finished: (key) => new Promise((resolve) => waiting.set(key, [...(waiting.get(key) ?? []), resolve])),
    finish: (key) => {
      for (const resolve of waiting.get(key) ?? []) resolve();
      waiting.delete(key);
    },
  };
}

void serveWorkerApp<CallerCommand, CallerReply>(({ index, cache }) => {
  const control = parentControl(index);
  return async (command) => {
    switch (command.type) {
      case 'burst':
        return { type: 'burst-done', outcome: await runCallerBurst(cache, index, command.burst, control) };
      case 'finish-factory':
        control.finish(command.key);
    }
  };
});
