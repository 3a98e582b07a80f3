/**
 * Bumped whenever the message format changes. It is part of every channel name, so during
 * a rolling deploy old and new processes each listen on their own channel and never
 * misread each other's messages. (They then do not invalidate each other's L1 either:
 * keep CACHE_L1_TIMEOUT short across such a deploy, or change CACHE_VERSION with it.)
 */
export const BUS_FORMAT_VERSION = 1;

/** The channels of one cache scope, as one process uses them. */
export interface BusChannels {
  /** Invalidations of every process of this prefix and version. */
  shared: string;
  /** This process's heartbeats: only this process listens, so heartbeats cost no fan-out. */
  heartbeat: string;
}

/**
 * `ideagraph-cache:bus:v1:<prefix>:<version>`, and `...:hb:<sender>` for the heartbeat.
 * A key prefix never holds ':' (CACHE_KEY_PREFIX refuses it), so no two scopes share a name.
 */
export function busChannels(keyPrefix: string, version: number, sender: string): BusChannels {
  const shared = `ideagraph-cache:bus:v${BUS_FORMAT_VERSION}:${keyPrefix}:${version}`;
  return { shared, heartbeat: `${shared}:hb:${sender}` };
}
