import { NotAnIntegerError } from '../../src/stores/cache-store';
import { LocmemStore } from '../../src/stores/locmem.store';

describe('LocmemStore', () => {
  it.each(['007', '-0', '+5', ' 5', '5 ', '1e3', '0x10', '"5"', ''])('refuses to increment %p, as Redis INCRBY does', async (text) => {
    const store = new LocmemStore(10);
    await store.set('k', text, null);
    await expect(store.incrBy('k', 1)).rejects.toThrow(NotAnIntegerError);
    expect(await store.get('k')).toBe(text);
  });

  it.each([
    ['0', 1, 1],
    ['-5', 5, 0],
    ['9007199254740990', 1, 9007199254740991],
  ])('increments %p by %p to %p', async (text, delta, expected) => {
    const store = new LocmemStore(10);
    await store.set('k', text, null);
    expect(await store.incrBy('k', delta)).toBe(expected);
    expect(await store.get('k')).toBe(String(expected));
  });

  it('refuses a result outside the safe integer range and keeps the value', async () => {
    const store = new LocmemStore(10);
    await store.set('k', '9007199254740991', null);
    await expect(store.incrBy('k', 1)).rejects.toThrow(/safe integer/);
    expect(await store.get('k')).toBe('9007199254740991');
  });

  it('the health probe leaves a full store untouched', async () => {
    const store = new LocmemStore(2);
    await store.set('a', '1', null);
    await store.set('b', '2', null);
    await store.ping();
    expect(await store.getMany(['a', 'b'])).toEqual(['1', '2']);
    expect(store.describe()).toMatchObject({ backendClass: 'LocmemStore', maxEntries: 2, entries: 2 });
  });

  it('clear removes only keys with the prefix and counts them', async () => {
    const store = new LocmemStore(10);
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
    const store = new LocmemStore(10);
    await store.set('a', '1', null);
    await store.close();
    expect(await store.exists('a')).toBe(false);
  });
});
