import { jsonValueFormat } from '../../src/codec/json-value-format';
import { deepFreeze, frozenValueFormat } from '../../src/codec/frozen-values';

describe('frozen values', () => {
  it('deepFreeze freezes every object and array of a plain value, cycles included', () => {
    const inner: Record<string, unknown> = { list: [1, { deep: true }] };
    const value: Record<string, unknown> = { inner, again: inner };
    inner.back = value;
    expect(deepFreeze(value)).toBe(true);
    expect([value, inner, inner.list, (inner.list as unknown[])[1]].every((object) => Object.isFrozen(object))).toBe(
      true,
    );
  });

  it('deepFreeze leaves a value that holds a Date, a Map or a Buffer untouched, not half frozen', () => {
    for (const odd of [new Date(0), new Map(), new Set(), Buffer.from('x'), new Uint8Array(2)]) {
      const value = { first: { plain: [1] }, odd };
      expect(deepFreeze(value)).toBe(false);
      expect([Object.isFrozen(value), Object.isFrozen(value.first), Object.isFrozen(value.first.plain)]).toEqual([
        false,
        false,
        false,
      ]);
    }
  });

  it('one stored text gives one frozen value; a copy of a produced value is that same value', () => {
    const format = frozenValueFormat(
      jsonValueFormat(1 << 20, () => undefined),
      10,
    );
    const text = format.encode({ a: [1] });
    const first = format.decode(text);
    expect(format.decode(text)).toBe(first);
    expect(format.copy({ a: [1] })).toBe(first);
    expect(format.handOut(first)).toBe(first);
    const produced = { a: [1] };
    expect(format.handOut(produced)).toBe(first);
    expect(Object.isFrozen(produced)).toBe(false);
  });
});
