import { NotAnIntegerError } from '../../src/stores/cache-store';
import { entryBytes } from '../../src/config/locmem-bounds';
import { LocmemStore } from '../../src/stores/locmem.store';

describe('LocmemStore', () => {
  it.each(['007', '-0', '+5', ' 5', '5 ', '1e3', '0x10', '"5"', ''])(
    'refuses to increment %p, as Redis INCRBY does',
    async (text) => {
      const store = new LocmemStore({ maxEntries: 10, maxBytes: 1_000_000 });
      await store.set('k', text, null);
      await expect(store.incrBy('k', 1)).rejects.toThrow(NotAnIntegerError);
      expect(await store.get('k')).toBe(text);
    },
  );

  it.each([
    ['0', 1, 1],
    ['-5', 5, 0],
    ['9007199254740990', 1, 9007199254740991],
  ])('increments %p by %p to %p', async (text, delta, expected) => {
    const store = new LocmemStore({ maxEntries: 10, maxBytes: 1_000_000 });
    await store.set('k', text, null);
    expect(await store.incrBy('k', delta)).toBe(expected);
    expect(await store.get('k')).toBe(String(expected));
  });

  it('refuses a result outside the safe integer range and keeps the value', async () => {
    const store = new LocmemStore({ maxEntries: 10, maxBytes: 1_000_000 });
    await store.set('k', '9007199254740991', null);
    await expect(store.incrBy('k', 1)).rejects.toThrow(/safe integer/);
    expect(await store.get('k')).toBe('9007199254740991');
  });

  it.each([0, -1, NaN])(
    'an entry given a TTL of %p is gone at once, never kept for ever (lru-cache reads 0 as "never expires")',
    async (ttlMs) => {
      const store = new LocmemStore({ maxEntries: 10, maxBytes: 1_000_000 });
      store.put('old', 'v', 60_000);
      expect(store.put('old', 'w', ttlMs)).toBe(false);
      expect(store.put('new', 'v', ttlMs)).toBe(false);
      store.put('retimed', 'v', 60_000);
      expect(store.retime('retimed', ttlMs)).toBe(true);
      expect([store.peek('old'), store.peek('new'), store.peek('retimed'), store.size]).toEqual([
        undefined,
        undefined,
        undefined,
        0,
      ]);
    },
  );

  it('the health probe leaves a full store untouched', async () => {
    const store = new LocmemStore({ maxEntries: 2, maxBytes: 1_000_000 });
    await store.set('a', '1', null);
    await store.set('b', '2', null);
    await store.ping();
    expect(await store.getMany(['a', 'b'])).toEqual(['1', '2']);
    expect(store.describe()).toMatchObject({ backendClass: 'LocmemStore', maxEntries: 2, entries: 2 });
  });

  it('clear removes only keys with the prefix and counts them', async () => {
    const store = new LocmemStore({ maxEntries: 10, maxBytes: 1_000_000 });
    await store.setMany(
      [
        [':1:a', '1'],
        [':1:b', '2'],
        [':2:a', '3'],
        ['x:1:a', '4'],
      ],
      null,
    );
    expect(await store.clear(':1:')).toBe(2);
    expect(await store.getMany([':1:a', ':1:b', ':2:a', 'x:1:a'])).toEqual([undefined, undefined, '3', '4']);
  });

  it('close empties the store', async () => {
    const store = new LocmemStore({ maxEntries: 10, maxBytes: 1_000_000 });
    await store.set('a', '1', null);
    await store.close();
    expect(await store.exists('a')).toBe(false);
  });

  describe('byte bound', () => {
    const value = (n: number, fill = 'v') => fill.repeat(n);

    it('counts an entry as 2 bytes per UTF-16 code unit of key and value, plus a fixed overhead', () => {
      const overhead = entryBytes('', '');
      expect(overhead).toBeGreaterThan(0);
      expect(entryBytes('ab', 'cde')).toBe(overhead + 10);
      // One astral character is two code units, as V8 keeps it.
      expect(entryBytes('k', '🌍')).toBe(overhead + 6);
    });

    it('storing far more bytes than maxBytes keeps the accounted size under it and evicts least recently used first', async () => {
      const maxBytes = 100_000;
      const store = new LocmemStore({ maxEntries: 10_000, maxBytes });
      const perEntry = entryBytes('k000', value(1000));
      const fits = Math.floor(maxBytes / perEntry);
      const keys = Array.from({ length: 1000 }, (_, i) => `k${String(i).padStart(3, '0')}`);
      for (const [i, key] of keys.entries()) {
        await store.set(key, value(1000), null);
        // k000 is read after every write, so it stays the most recently used.
        if (i > 0) expect(await store.get('k000')).toBe(value(1000));
        expect(store.describe().bytes).toBeLessThanOrEqual(maxBytes);
      }
      expect(store.describe()).toMatchObject({ maxBytes, entries: fits, bytes: fits * perEntry });
      const kept = (await store.getMany(keys)).flatMap((found, i) => (found === undefined ? [] : [keys[i]]));
      expect(kept).toEqual(['k000', ...keys.slice(keys.length - (fits - 1))]);
    });

    it('a rewrite that grows a value is accounted at its new size', async () => {
      const store = new LocmemStore({ maxEntries: 10, maxBytes: 10_000 });
      await store.set('a', value(100), null);
      await store.set('b', value(100), null);
      await store.set('a', value(4000), null);
      expect(store.describe().bytes).toBe(entryBytes('a', value(4000)) + entryBytes('b', value(100)));
      // 1,696 more bytes fit only without b, the least recently used; at a's old size all three would fit.
      await store.set('c', value(800), null);
      expect(await store.getMany(['a', 'b', 'c'])).toEqual([value(4000), undefined, value(800)]);
      expect(store.describe().bytes).toBeLessThanOrEqual(10_000);
    });

    it('an increment that lengthens a counter is accounted at its new size and keeps the expiry', async () => {
      const store = new LocmemStore({ maxEntries: 10, maxBytes: 10_000 });
      await store.set('n', '9', 60_000);
      expect(await store.incrBy('n', 1)).toBe(10);
      expect(store.describe().bytes).toBe(entryBytes('n', '10'));
      expect(await store.ttlMs('n')).toBeGreaterThan(50_000);
    });

    it('refuses a single value larger than maxBytes: nothing is stored, any older value of the key is removed', async () => {
      const store = new LocmemStore({ maxEntries: 10, maxBytes: 10_000 });
      await store.set('other', 'kept', null);
      await store.set('big', 'old', null);
      await store.set('big', value(5000), null);
      expect(await store.get('big')).toBeUndefined();
      expect(await store.get('other')).toBe('kept');
      expect(await store.add('big', value(5000), null)).toBe(false);
      expect(await store.exists('big')).toBe(false);
      await store.setMany(
        [
          ['big', value(5000)],
          ['small', 's'],
        ],
        null,
      );
      expect(await store.getMany(['big', 'small', 'other'])).toEqual([undefined, 's', 'kept']);
      expect(store.describe().bytes).toBe(entryBytes('other', 'kept') + entryBytes('small', 's'));
    });

    it('the entry bound still applies when bytes are plentiful', async () => {
      const store = new LocmemStore({ maxEntries: 3, maxBytes: 1_000_000 });
      for (const key of ['a', 'b', 'c', 'd']) await store.set(key, '1', null);
      expect(await store.getMany(['a', 'b', 'c', 'd'])).toEqual([undefined, '1', '1', '1']);
      expect(store.describe()).toMatchObject({ entries: 3, maxEntries: 3 });
    });

    it('clear frees the bytes of what it removed', async () => {
      const store = new LocmemStore({ maxEntries: 10, maxBytes: 10_000 });
      await store.set(':1:a', value(100), null);
      await store.set(':2:a', value(100), null);
      await store.clear(':1:');
      expect(store.describe().bytes).toBe(entryBytes(':2:a', value(100)));
      await store.close();
      expect(store.describe()).toMatchObject({ entries: 0, bytes: 0 });
    });

    it('refuses bounds that are not positive integers, with a typed error', () => {
      expect(() => new LocmemStore({ maxEntries: 0, maxBytes: 10 })).toThrow(RangeError);
      expect(() => new LocmemStore({ maxEntries: 10, maxBytes: 1.5 })).toThrow(
        /maxBytes must be a positive integer, got 1.5/,
      );
    });
  });
});
