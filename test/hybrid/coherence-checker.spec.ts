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
    const report = checkCoherence([op('set', 'k', A, 0, 10), op('set', 'k', B, 20, 30), op('get', 'k', A, 80, 81)], BOUND);
    expect(report.violations).toBe(0);
    expect(report.stalenessMs).toEqual([50]);
  });

  it('does not judge a newer write that overlapped the one it would supersede', () => {
    // B was issued before A was acknowledged: either may have been applied last.
    const report = checkCoherence([op('set', 'k', A, 0, 10), op('set', 'k', B, 5, 30), op('get', 'k', A, 500, 501)], BOUND);
    expect(report).toMatchObject({ violations: 0, stalenessMs: [] });
  });

  it('never counts a miss', () => {
    const report = checkCoherence([op('set', 'k', A, 0, 10), op('delete', 'k', undefined, 20, 30), op('get', 'k', undefined, 500, 501)], BOUND);
    expect(report).toMatchObject({ reads: 1, hits: 0, violations: 0 });
  });

  it('ignores a newer write that was not acknowledged', () => {
    const report = checkCoherence(
      [op('set', 'k', A, 0, 10), op('set', 'k', B, 20, 30, { acknowledged: false }), op('delete', 'k', undefined, 20, 30, { error: 'boom' }), op('get', 'k', A, 500, 501)],
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
    const deleted = checkCoherence([op('set', 'k', A, 0, 10), op('delete', 'k', undefined, 20, 30), op('get', 'k', A, 200, 201)], BOUND);
    const cleared = checkCoherence([op('set', 'k', A, 0, 10), op('clear', undefined, undefined, 20, 30), op('get', 'k', A, 200, 201)], BOUND);
    expect(deleted.violations).toBe(1);
    expect(cleared.violations).toBe(1);
  });

  it('does not let a write on another key supersede', () => {
    const report = checkCoherence([op('set', 'k', A, 0, 10), op('set', 'other', B, 20, 30), op('get', 'k', A, 500, 501)], BOUND);
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
    const report = checkCoherence([op('set', 'k', A, 0, 10), op('set', 'k', B, 20, 90), op('set', 'k', C, 30, 40), op('get', 'k', A, 150, 151)], BOUND);
    expect(report.stalenessMs).toEqual([110]);
    expect(report.examples[0].supersededBy.value).toBe(JSON.stringify(C));
  });

  it('accepts the latest value however late it is read', () => {
    const report = checkCoherence([op('set', 'k', A, 0, 10), op('set', 'k', B, 20, 30), op('get', 'k', B, 10_000, 10_001)], BOUND);
    expect(report).toMatchObject({ violations: 0, stalenessMs: [] });
  });

  it('gives each read its own bound when asked', () => {
    const log = [op('set', 'k', A, 0, 10), op('set', 'k', B, 20, 30), op('get', 'k', A, 500, 501, { worker: 1 }), op('get', 'k', A, 500, 501, { worker: 2 })];
    const report = checkCoherence(log, { boundMs: (read) => (read.worker === 1 ? 1000 : 100) });
    expect(report.violations).toBe(1);
    expect(report.examples[0].read.worker).toBe(2);
  });

  it('refuses a log in which two writes produced one value', () => {
    expect(() => checkCoherence([op('set', 'k', A, 0, 10), op('set', 'k', A, 20, 30)], BOUND)).toThrow(/produced twice/);
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
