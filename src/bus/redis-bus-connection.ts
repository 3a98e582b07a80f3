import { Cluster } from 'ioredis';
import type { RedisClient } from '../stores/redis-topology-client';
import type { BusConnection } from './bus-connection';

type ListenHandlers = Parameters<BusConnection['listen']>[1];

/**
 * The bus over Redis pub/sub: publishes through the store's command connection, listens
 * on a duplicate of it (same topology, TLS and credentials). Subscriptions are renewed on
 * every `ready` here rather than by ioredis, so a subscriber whose first SUBSCRIBE failed
 * (Redis was down at startup) subscribes once Redis is back, and `resubscribed` says when.
 */
export class RedisBusConnection implements BusConnection {
  private subscriber: RedisClient | undefined;
  private channels: string[] = [];
  private handlers: ListenHandlers | undefined;
  private closed = false;

  constructor(
    private readonly commands: { publish(channel: string, message: string): Promise<unknown> },
    private readonly source: RedisClient,
  ) {}

  publish(channel: string, message: string): Promise<unknown> {
    return this.commands.publish(channel, message);
  }

  listen(channels: string[], handlers: ListenHandlers): void {
    this.channels = channels;
    this.handlers = handlers;
    this.open();
  }

  restartListener(): void {
    if (this.closed) return;
    const old = this.subscriber;
    this.subscriber = undefined;
    old?.removeAllListeners();
    // Without an error listener a late socket error of the old connection would be uncaught.
    old?.on('error', () => undefined);
    old?.disconnect();
    this.open();
  }

  async close(): Promise<void> {
    this.closed = true;
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    subscriber?.removeAllListeners();
    subscriber?.on('error', () => undefined);
    subscriber?.disconnect();
  }

  private open(): void {
    if (this.closed || !this.handlers) return;
    const handlers = this.handlers;
    const subscriber =
      this.source instanceof Cluster
        ? this.source.duplicate()
        : this.source.duplicate({ autoResubscribe: false, lazyConnect: true });
    this.subscriber = subscriber;
    const current = () => this.subscriber === subscriber;
    subscriber.on('message', (channel: string, text: string) => {
      if (current()) handlers.message(channel, text);
    });
    subscriber.on('ready', () => {
      if (!current()) return;
      subscriber.subscribe(...this.channels).then(
        () => current() && handlers.resubscribed(),
        // The connection failed again; its next `ready` tries again.
        () => undefined,
      );
    });
    // Any of these may mean messages were lost; the bus decides what that costs.
    for (const event of ['close', 'end']) subscriber.on(event, () => current() && handlers.dropped());
    // A failed reconnect is reported as 'error'; without a listener ioredis would throw it.
    subscriber.on('error', () => undefined);
    if (subscriber instanceof Cluster) subscriber.on('node error', () => undefined);
    subscriber.connect().catch(() => undefined);
  }
}
