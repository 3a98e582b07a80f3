/** How a process writes a group of entries: the three write paths that take tags. */
export type WriteVia = 'set' | 'setMany' | 'getOrSet';

/** Entries one process writes in one call, with the tags they share (none: untagged). */
export interface TaggedWrite {
  via: WriteVia;
  entries: Record<string, unknown>;
  tags: string[];
}

/** The tags one process invalidates in every scenario. */
export const INVALIDATED_TAGS = ['user:42', 'orders'];

/**
 * What process `worker` writes: tags that overlap, so that an entry is gone through any one
 * of its tags (`u7:orders` only through "orders") while entries sharing its other tags
 * ("shop", "reports") stay; and untagged entries on every write path.
 */
export function writesOf(worker: number): TaggedWrite[] {
  const value = (key: string) => ({ key, by: worker });
  const group = (via: WriteVia, tags: string[], ...names: string[]): TaggedWrite => ({
    via,
    tags,
    entries: Object.fromEntries(names.map((name) => [`${name}:w${worker}`, value(`${name}:w${worker}`)])),
  });
  return [
    group('set', ['user:42'], 'u42:profile'),
    group('setMany', ['orders', 'shop'], 'u42:orders', 'u7:orders'),
    group('getOrSet', ['user:42', 'reports'], 'u42:report'),
    group('set', ['user:7'], 'u7:profile'),
    group('setMany', ['team', 'user:7'], 'team:1', 'team:2'),
    group('getOrSet', ['shop', 'reports'], 'shop:summary'),
    group('set', [], 'plain:a'),
    group('setMany', [], 'plain:b', 'plain:c'),
    group('getOrSet', [], 'plain:computed'),
  ];
}

/** Every key of a fleet, as the scenarios sort them. */
export interface KeyClasses {
  /** Carried one of INVALIDATED_TAGS: must read as a miss everywhere after the invalidation. */
  gone: string[];
  /** Tagged with other tags only: must keep its value. */
  keptTagged: string[];
  untagged: string[];
  /** The value each key was written with, as JSON text. */
  written: Record<string, string>;
}

export function classifyKeys(workers: number): KeyClasses {
  const classes: KeyClasses = { gone: [], keptTagged: [], untagged: [], written: {} };
  for (let worker = 0; worker < workers; worker++) {
    for (const write of writesOf(worker)) {
      const keys = Object.keys(write.entries);
      if (write.tags.length === 0) classes.untagged.push(...keys);
      else if (write.tags.some((tag) => INVALIDATED_TAGS.includes(tag))) classes.gone.push(...keys);
      else classes.keptTagged.push(...keys);
      for (const key of keys) classes.written[key] = JSON.stringify(write.entries[key]);
    }
  }
  return classes;
}

/** The readings a process must report for `keys`: their written values. */
export function writtenValues(classes: KeyClasses, keys: string[]): Record<string, string> {
  return Object.fromEntries(keys.map((key) => [key, classes.written[key]]));
}
