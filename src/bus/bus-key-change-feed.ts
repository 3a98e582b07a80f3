import type { KeyChangeFeed } from '../stores/key-change-feed';
import { KeyChangeWaiters } from '../stores/key-change-waiters';
import type { BusConnection } from './bus-connection';
import { InvalidationBus, type BusScope } from './invalidation-bus';

/**
 * The key-change feed of the redis backend: the same channel the hybrid backend uses, so
 * its announcements also reach hybrid processes of the same scope. It listens only once a
 * process first waits on a fleet lock: a process that never waits opens no subscriber.
 */
export class BusKeyChangeFeed implements KeyChangeFeed {
  private readonly waiters = new KeyChangeWaiters();
  private readonly bus: InvalidationBus;

  constructor(connection: BusConnection, scope: BusScope, log: (message: string) => void) {
    this.bus = new InvalidationBus(
      connection,
      scope,
      {
        invalidate: (keys) => this.waiters.changed(keys),
        clear: () => this.waiters.changedAll(),
        // Waiters poll as well, within their bound: a lost bus only makes them slower.
        lost: () => undefined,
        regained: () => undefined,
      },
      log,
    );
  }

  announce(storeKey: string): void {
    this.bus.announce(storeKey);
  }

  wait(storeKeys: string | readonly string[], maxMs: number): Promise<boolean> {
    this.bus.start();
    return this.waiters.wait(storeKeys, maxMs);
  }

  close(): Promise<void> {
    return this.bus.close();
  }
}
