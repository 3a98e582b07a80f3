import calculateSlot from 'cluster-key-slot';

/** Slots of a Redis Cluster. */
const SLOTS = 16384;

let tagsBySlot: string[] | undefined;

/**
 * A short hash tag for every slot: a key that ends in `{<tag>}` lands in that slot. Found
 * once per process by counting in base 36 until every slot has one (under 90,000 tries,
 * about 10 ms), and only when a Cluster is tracked.
 */
export function hashTagOfSlot(slot: number): string {
  if (!tagsBySlot) {
    const table: string[] = new Array<string>(SLOTS);
    let found = 0;
    for (let i = 0; found < SLOTS; i++) {
      const tag = i.toString(36);
      const at = calculateSlot(tag);
      if (table[at] === undefined) {
        table[at] = tag;
        found++;
      }
    }
    tagsBySlot = table;
  }
  return tagsBySlot[slot];
}

/** Whether `tag` still lands on `owner` in `slots` (the cluster client's map: slot → [master, ...replicas]). */
export function tagLandsOn(tag: string, owner: string, slots: readonly (readonly string[] | undefined)[]): boolean {
  return slots[calculateSlot(tag)]?.[0] === owner;
}

/**
 * A hash tag of a slot `owner` serves in `slots`, chosen at random among them, or undefined
 * where it serves none. At random, not the first: a reshard moves a master's lowest slots
 * first, and a probe aimed at a slot in migration lands on the other node (ASK).
 */
export function hashTagServedBy(owner: string, slots: readonly (readonly string[] | undefined)[]): string | undefined {
  const served: number[] = [];
  for (let slot = 0; slot < slots.length; slot++) {
    if (slots[slot]?.[0] === owner) served.push(slot);
  }
  return served.length === 0 ? undefined : hashTagOfSlot(served[Math.floor(Math.random() * served.length)]);
}
