/** What the bus needs of Redis: a way to publish, and a subscriber connection of its own. */
export interface BusConnection {
  /** Publishes over the command connection (the same one writes travel). */
  publish(channel: string, message: string): Promise<unknown>;
  /**
   * Opens the subscriber connection and keeps `channels` subscribed across reconnects.
   * `dropped` is called whenever the subscriber connection closes or fails.
   */
  listen(
    channels: string[],
    handlers: { message(channel: string, text: string): void; dropped(): void; resubscribed(): void },
  ): void;
  /** Closes the subscriber connection and opens a new one (one that went silent). */
  restartListener(): void;
  close(): Promise<void>;
}
