import { checkCoherence } from './coherence/coherence-checker';
import { findDivergences } from './coherence/convergence-check';
import type { OperationKind, OperationRecord } from './coherence/operation-log';

/** A record with times in ms (stored as µs, as the workers do). */
function op(
  kind: OperationKind,
  key: string | undefined,
  value: unknown,
  issuedMs: number,
  ackedMs: number,
  extra: Partial<OperationRecord> = {},
): OperationRecord {
  return {
    worker: 0,
    kind,
    key,
    issuedUs: issuedMs * 1000,
    ackedUs: ackedMs * 1000,
    value: value === undefined ? undefined : JSON.stringify(value),
    acknowledged: true,
    ...extra,
  };
}

const A = { w: 0, n: 1 };
const B = { w: 1, n: 1 };
const BOUND = { boundMs: 100 };

describe('checkCoherence', () => {
  it('reports a read of a value superseded longer than the bound ago', () => {
    const report = checkCoherence(
      [op('set', 'k', A, 0, 10), op('set', 'k', B, 20, 30, { worker: 1 }), op('get', 'k', A, 131, 132, { worker: 2 })],
      BOUND,
    );
    expect(report.violations).toBe(1);
    expect(report.stalenessMs).toEqual([101]);
    expect(report.examples[0].producedBy.value).toBe(JSON.stringify(A));
    expect(report.examples[0].supersededBy.value).toBe(JSON.stringify(B));
  });

  it('counts a stale read within the bound as stale, not as a violation', () => {
    const report = checkCoherence(
      [op('set', 'k', A, 0, 10), op('set', 'k', B, 20, 30), op('get', 'k', A, 80, 81)],
      BOUND,
    );
    expect(report.violations).toBe(0);
    expect(report.stalenessMs).toEqual([50]);
  });

  it('does not judge a newer write that overlapped the one it would supersede', () => {
    // B was issued before A was acknowledged: either may have been applied last.
    const report = checkCoherence(
      [op('set', 'k', A, 0, 10), op('set', 'k', B, 5, 30), op('get', 'k', A, 500, 501)],
      BOUND,
    );
    expect(report).toMatchObject({ violations: 0, stalenessMs: [] });
  });

  it('never counts a miss', () => {
    const report = checkCoherence(
      [op('set', 'k', A, 0, 10), op('delete', 'k', undefined, 20, 30), op('get', 'k', undefined, 500, 501)],
      BOUND,
    );
    expect(report).toMatchObject({ reads: 1, hits: 0, violations: 0 });
  });

  it('ignores a newer write that was not acknowledged', () => {
    const report = checkCoherence(
      [
        op('set', 'k', A, 0, 10),
        op('set', 'k', B, 20, 30, { acknowledged: false }),
        op('delete', 'k', undefined, 20, 30, { error: 'boom' }),
        op('get', 'k', A, 500, 501),
      ],
      BOUND,
    );
    expect(report.violations).toBe(0);
  });

  it('does not judge the value of a write whose acknowledgement was not seen', () => {
    const report = checkCoherence(
      [op('set', 'k', A, 0, 10, { acknowledged: false }), op('set', 'k', B, 20, 30), op('get', 'k', A, 500, 501)],
      BOUND,
    );
    expect(report).toMatchObject({ hits: 1, unattributed: 1, violations: 0 });
  });

  it('counts a delete and a clear as newer writes', () => {
    const deleted = checkCoherence(
      [op('set', 'k', A, 0, 10), op('delete', 'k', undefined, 20, 30), op('get', 'k', A, 200, 201)],
      BOUND,
    );
    const cleared = checkCoherence(
      [op('set', 'k', A, 0, 10), op('clear', undefined, undefined, 20, 30), op('get', 'k', A, 200, 201)],
      BOUND,
    );
    expect(deleted.violations).toBe(1);
    expect(cleared.violations).toBe(1);
  });

  it('does not let a write on another key supersede', () => {
    const report = checkCoherence(
      [op('set', 'k', A, 0, 10), op('set', 'other', B, 20, 30), op('get', 'k', A, 500, 501)],
      BOUND,
    );
    expect(report.violations).toBe(0);
  });

  it('attributes counter values to the add and the incr that produced them', () => {
    const base = 1_000_001_000_000;
    const log = [
      op('incr', 'c', undefined, 0, 1, { acknowledged: false }),
      op('add', 'c', base, 2, 3),
      op('incr', 'c', base + 1, 4, 5),
      op('incr', 'c', base + 2, 10, 11, { worker: 1 }),
      op('get', 'c', base, 50, 51, { worker: 2 }),
      op('get', 'c', base + 1, 200, 201, { worker: 2 }),
      op('get', 'c', base + 2, 900, 901, { worker: 2 }),
    ];
    const report = checkCoherence(log, BOUND);
    expect(report.violations).toBe(1);
    expect(report.examples[0].read.value).toBe(String(base + 1));
    expect(report.stalenessMs).toEqual([45, 189]);
  });

  it('measures staleness from the first acknowledgement among the newer writes', () => {
    // C was issued after B but acknowledged before it: A was known stale from C's ack on.
    const C = { w: 2, n: 1 };
    const report = checkCoherence(
      [op('set', 'k', A, 0, 10), op('set', 'k', B, 20, 90), op('set', 'k', C, 30, 40), op('get', 'k', A, 150, 151)],
      BOUND,
    );
    expect(report.stalenessMs).toEqual([110]);
    expect(report.examples[0].supersededBy.value).toBe(JSON.stringify(C));
  });

  it('accepts the latest value however late it is read', () => {
    const report = checkCoherence(
      [op('set', 'k', A, 0, 10), op('set', 'k', B, 20, 30), op('get', 'k', B, 10_000, 10_001)],
      BOUND,
    );
    expect(report).toMatchObject({ violations: 0, stalenessMs: [] });
  });

  it('gives each read its own bound when asked', () => {
    const log = [
      op('set', 'k', A, 0, 10),
      op('set', 'k', B, 20, 30),
      op('get', 'k', A, 500, 501, { worker: 1 }),
      op('get', 'k', A, 500, 501, { worker: 2 }),
    ];
    const report = checkCoherence(log, { boundMs: (read) => (read.worker === 1 ? 1000 : 100) });
    expect(report.violations).toBe(1);
    expect(report.examples[0].read.worker).toBe(2);
  });

  it('refuses a log in which two writes produced one value', () => {
    expect(() => checkCoherence([op('set', 'k', A, 0, 10), op('set', 'k', A, 20, 30)], BOUND)).toThrow(
      /produced twice/,
    );
  });
});

describe('checkCoherence: the dimensions', () => {
  it('takes a later call of the same worker on the key as the winner, even when both were in flight together', () => {
    // One tick: set A, then set B, both issued before either answered.
    const tick = [op('set', 'k', A, 0, 20, { seq: 1 }), op('set', 'k', { w: 0, n: 2 }, 0, 10, { seq: 2 })];
    const report = checkCoherence([...tick, op('get', 'k', A, 500, 501, { worker: 1 })], BOUND);
    expect(report.violations).toBe(1);
    expect(report.stalenessMs).toEqual([490]);
    // Another worker's overlapping write is not ordered by call order.
    const apart = checkCoherence(
      [
        op('set', 'k', A, 0, 20, { seq: 1 }),
        op('set', 'k', B, 0, 10, { worker: 1, seq: 2 }),
        op('get', 'k', A, 500, 501),
      ],
      BOUND,
    );
    expect(apart.violations).toBe(0);
  });

  it('counts a value read after its own expiry as stale from the expiry, and only that value', () => {
    const report = checkCoherence(
      // B overlapped A, so only A's expiry supersedes it; B, which never expires, is never stale.
      [
        op('set', 'k', A, 0, 10, { expiresUs: 15_000 }),
        op('set', 'k', B, 5, 14),
        op('get', 'k', A, 300, 301),
        op('get', 'k', B, 900, 901),
      ],
      BOUND,
    );
    expect(report.stalenessMs).toEqual([285]);
    expect(report.examples[0].supersededBy).toMatchObject({ kind: 'delete', ackedUs: 15_000 });
  });

  it('lets an invalidation issued after a factory started supersede the value it stored, whenever that was acknowledged', () => {
    const factoryValue = op('set', 'f', A, 40, 60, { tags: ['t'], snapshotUs: 10_000, via: 'getOrSet' });
    const invalidation = op('invalidateTags', undefined, undefined, 20, 30, { tags: ['t'], worker: 1 });
    const report = checkCoherence([factoryValue, invalidation, op('get', 'f', A, 400, 401, { worker: 2 })], BOUND);
    expect(report.violations).toBe(1);
    expect(report.stalenessMs).toEqual([370]);
    // An invalidation of another tag, or one issued before the factory started, does not.
    const other = op('invalidateTags', undefined, undefined, 20, 30, { tags: ['u'] });
    const before = op('invalidateTags', undefined, undefined, 5, 30, { tags: ['t'] });
    expect(checkCoherence([factoryValue, other, before, op('get', 'f', A, 400, 401)], BOUND).violations).toBe(0);
  });

  it('does not judge a read a getOrSet failed as asked', () => {
    const report = checkCoherence(
      [
        op('set', 'k', A, 0, 10),
        op('set', 'k', B, 20, 30),
        op('get', 'k', A, 500, 501, { expectedError: 'CacheFactoryTimeoutError' }),
      ],
      BOUND,
    );
    expect(report).toMatchObject({ hits: 0, violations: 0 });
  });

  it('reports a value Redis still held after a later write of the same worker was acknowledged, and nothing else', () => {
    const log = [
      op('set', 'k', A, 0, 20, { seq: 1 }),
      op('set', 'k', { w: 0, n: 2 }, 0, 10, { seq: 2 }),
      op('set', 'j', B, 0, 10, { worker: 1 }),
    ];
    const report = checkCoherence(log, {
      ...BOUND,
      stored: [{ readUs: 100_000, stored: { k: JSON.stringify(A), j: JSON.stringify(B) } }],
    });
    expect(report.lostWrites).toHaveLength(1);
    expect(report.lostWrites[0]).toMatchObject({
      key: 'k',
      producedBy: { value: JSON.stringify(A) },
      supersededBy: { seq: 2 },
    });
    // Nothing at all where the last call wrote a value is lost too; with a delete among the last writes it is not.
    const absent = checkCoherence(
      [op('delete', 'k', undefined, 0, 20, { seq: 1 }), op('set', 'k', A, 0, 10, { seq: 2 })],
      { ...BOUND, stored: [{ readUs: 100_000, stored: {} }] },
    );
    expect(absent.lostWrites).toMatchObject([{ key: 'k', producedBy: { seq: 2 }, absent: true }]);
    const overlapping = [op('delete', 'k', undefined, 0, 20, { worker: 1 }), op('set', 'k', A, 0, 10)];
    expect(checkCoherence(overlapping, { ...BOUND, stored: [{ readUs: 100_000, stored: {} }] }).lostWrites).toEqual([]);
    // Read before the later write was acknowledged, the earlier value may still be there.
    expect(
      checkCoherence(log, { ...BOUND, stored: [{ readUs: 5_000, stored: { k: JSON.stringify(A) } }] }).lostWrites,
    ).toEqual([]);
  });

  it('takes an absence for what Redis must hold when a write with a timeout overlapped the last write and expired since', () => {
    // B's batch was in flight while A's getOrSetMany stored: Redis may have applied B last, and B's expiry then removed A's value too.
    const expiring = op('set', 'k', B, 0, 50, { worker: 1, seq: 1, expiresUs: 62_000 });
    const stored = [{ readUs: 100_000, stored: {} }];
    expect(
      checkCoherence([expiring, op('set', 'k', A, 20, 25, { via: 'getOrSetMany' })], { ...BOUND, stored }).lostWrites,
    ).toEqual([]);
    // Acknowledged before A was issued, B was applied before A: A's value must still be there.
    const before = op('set', 'k', B, 0, 10, { worker: 1, seq: 1, expiresUs: 22_000 });
    expect(
      checkCoherence([before, op('set', 'k', A, 20, 25, { via: 'getOrSetMany' })], { ...BOUND, stored }).lostWrites,
    ).toMatchObject([{ key: 'k', producedBy: { value: JSON.stringify(A) }, absent: true }]);
  });
});

describe('findDivergences', () => {
  it('accepts what Redis holds and misses, and reports anything else', () => {
    const stored = { a: '1', b: '2' };
    const divergences = findDivergences([{ a: '1' }, {}, { a: '1', b: '3', c: '4' }], stored);
    expect(divergences).toEqual([
      { worker: 2, key: 'b', cached: '3', stored: '2' },
      { worker: 2, key: 'c', cached: '4', stored: undefined },
    ]);
  });
});
