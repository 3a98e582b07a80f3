import { CacheValueError } from '../../src';
import { decodeValue, encodeValue } from '../../src/codec/value-codec';

const roundTrip = (value: unknown): unknown => decodeValue(encodeValue(value));

describe('value codec', () => {
  describe('values JSON represents exactly are stored as plain JSON text', () => {
    it.each<[unknown, string]>([
      [{ token: 'abc' }, '{"token":"abc"}'],
      [42, '42'],
      [-7, '-7'],
      [0, '0'],
      [1.25, '1.25'],
      ['abc', '"abc"'],
      ['', '""'],
      [true, 'true'],
      [null, 'null'],
      [[1, [2, { a: null }]], '[1,[2,{"a":null}]]'],
      [{ '~t': 'date', v: 'x' }, '{"~t":"date","v":"x"}'],
    ])('%p -> %s', (value, text) => {
      expect(encodeValue(value)).toBe(text);
      expect(decodeValue(text)).toStrictEqual(value);
    });
  });

  describe('every other value round-trips behind the marker', () => {
    it.each<[string, unknown]>([
      ['-0', -0],
      ['NaN', Number.NaN],
      ['Infinity', Number.POSITIVE_INFINITY],
      ['-Infinity', Number.NEGATIVE_INFINITY],
      ['BigInt', 2n ** 100n],
      ['Date', new Date('2020-02-29T12:00:00.000Z')],
      ['Map with object keys', new Map<unknown, unknown>([[{ k: 1 }, new Set([1])]])],
      ['Set', new Set(['a', 1n])],
      ['Buffer', Buffer.from('hello')],
      ['Uint8Array', new Uint8Array([1, 2, 3])],
      ['undefined in an array', [undefined]],
      ['undefined in an object', { a: undefined }],
      ['sparse-free array of rich values', [new Date(0), -0, 1n]],
      ['null-prototype object with a Date', Object.assign(Object.create(null), { d: new Date(0) })],
    ])('%s', (_name, value) => {
      const text = encodeValue(value);
      expect(text.startsWith('~ig1:')).toBe(true);
      const back = roundTrip(value);
      if (typeof value === 'number') expect(Object.is(back, value)).toBe(true);
      else if (typeof value === 'bigint') expect(back).toBe(value);
      else expect(back).toEqual(value);
    });

    it('keeps Buffer and Uint8Array apart', () => {
      expect(Buffer.isBuffer(roundTrip(Buffer.from('x')))).toBe(true);
      const bytes = roundTrip(new Uint8Array([1]));
      expect(bytes).toBeInstanceOf(Uint8Array);
      expect(Buffer.isBuffer(bytes)).toBe(false);
    });

    it('keeps -0 inside structures', () => {
      const back = roundTrip({ list: [-0], map: new Map([['z', -0]]) }) as { list: number[]; map: Map<string, number> };
      expect(Object.is(back.list[0], -0)).toBe(true);
      expect(Object.is(back.map.get('z'), -0)).toBe(true);
    });

    it('an invalid Date comes back as an invalid Date', () => {
      const back = roundTrip(new Date(Number.NaN));
      expect(back).toBeInstanceOf(Date);
      expect((back as Date).getTime()).toBeNaN();
    });
  });

  describe('the marker is never confused with user data', () => {
    it.each([
      '~ig1:{"~t":"date","v":"2024-01-01T00:00:00.000Z"}',
      '~ig1:',
      '~',
      '~t',
      '_function_(){}',
      '2024-01-01T00:00:00.000Z',
    ])('the string %p stays a string', (text) => {
      expect(encodeValue(text).startsWith('"')).toBe(true);
      expect(roundTrip(text)).toBe(text);
    });

    it.each<[string, Record<string, unknown>]>([
      ['a tag-shaped object', { '~t': 'bigint', v: '1' }],
      ['a tag-shaped object beside a rich value', { '~t': 'bigint', v: '1', d: new Date(0) }],
      ['keys made of tildes', { '~': 1, '~~': 2, '~~t': 3, '~t~': 4, d: new Date(0) }],
      ['a nested tag-shaped object', { inner: { '~t': 'undefined' }, set: new Set([{ '~t': 'map', v: [] }]) }],
      ['an unknown tag name', { '~t': 'nope', when: new Date(0) }],
    ])('%s keeps its keys and values', (_name, value) => {
      expect(roundTrip(value)).toStrictEqual(value);
    });

    it('an own "__proto__" key stays an own key and never becomes the prototype', () => {
      const value = JSON.parse('{"__proto__":{"isAdmin":true},"n":1}') as Record<string, unknown>;
      const rich = { ...value, when: new Date(0) };
      Object.defineProperty(rich, '__proto__', {
        value: { isAdmin: true },
        enumerable: true,
        writable: true,
        configurable: true,
      });
      for (const original of [value, rich]) {
        const back = roundTrip(original) as Record<string, unknown>;
        expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
        expect(back.isAdmin).toBeUndefined();
        expect(Object.prototype.hasOwnProperty.call(back, '__proto__')).toBe(true);
        expect(Object.getOwnPropertyDescriptor(back, '__proto__')?.value).toEqual({ isAdmin: true });
      }
      const stored = '~ig1:{"__proto__":{"isAdmin":true},"d":{"~t":"date","v":"1970-01-01T00:00:00.000Z"}}';
      const decoded = decodeValue<Record<string, unknown>>(stored);
      expect(decoded.isAdmin).toBeUndefined();
      expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    });

    it('reports a damaged rich value with a typed error', () => {
      expect(() => decodeValue('~ig1:{"~t":"nope"}')).toThrow(CacheValueError);
    });
  });

  describe('unstorable values throw CacheValueError with a code', () => {
    const circular: { self?: unknown } = {};
    circular.self = circular;
    const deepCircular = { a: { b: new Map<string, unknown>() } };
    deepCircular.a.b.set('back', deepCircular);
    it.each<[string, unknown, string]>([
      ['undefined', undefined, 'UNSUPPORTED_TYPE'],
      ['a function', () => 1, 'UNSUPPORTED_TYPE'],
      ['a symbol', Symbol('s'), 'UNSUPPORTED_TYPE'],
      ['a class instance', new (class Thing {})(), 'UNSUPPORTED_TYPE'],
      ['a class instance in a Set', new Set([new (class Thing {})()]), 'UNSUPPORTED_TYPE'],
      ['a circular object', circular, 'CIRCULAR'],
      ['a cycle through a Map', deepCircular, 'CIRCULAR'],
    ])('%s', (_name, value, code) => {
      expect(() => encodeValue(value)).toThrow(CacheValueError);
      expect(() => encodeValue(value)).toThrow(expect.objectContaining({ code }));
    });

    it('names the offending type', () => {
      expect(() => encodeValue(new (class Invoice {})())).toThrow(/Invoice/);
    });

    it('a shared, non-circular reference is fine', () => {
      const shared = { n: 1 };
      expect(roundTrip({ a: shared, b: shared, c: new Map([['s', shared]]) })).toStrictEqual({
        a: { n: 1 },
        b: { n: 1 },
        c: new Map([['s', { n: 1 }]]),
      });
    });
  });
});
