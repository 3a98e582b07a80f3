import { FillFence } from '../../src/tiers/fill-fence';

describe('FillFence', () => {
  it('lets a read fill its key when nothing changed while it was in flight', () => {
    const fence = new FillFence();
    const ticket = fence.take();
    expect(fence.redeem(ticket, 'k')).toBe(true);
  });

  it('keeps a read out of L1 when its key was invalidated after the read was sent', () => {
    const fence = new FillFence();
    const ticket = fence.take();
    fence.invalidated('k');
    expect(fence.redeem(ticket, 'k')).toBe(false);
  });

  it('lets the read fill other keys, and lets a read sent after the invalidation fill', () => {
    const fence = new FillFence();
    const early = fence.take();
    fence.invalidated('k');
    const late = fence.take();
    expect(fence.redeem(early, 'other')).toBe(true);
    expect(fence.redeem(late, 'k')).toBe(true);
  });

  it('keeps every read in flight out of L1 after a wipe', () => {
    const fence = new FillFence();
    const a = fence.take();
    const b = fence.take();
    fence.wiped();
    const c = fence.take();
    expect(fence.redeem(a, 'x')).toBe(false);
    expect(fence.redeemMany(b, ['y', 'z'])('y')).toBe(false);
    expect(fence.redeem(c, 'x')).toBe(true);
  });

  it('answers per key for a batch', () => {
    const fence = new FillFence();
    const ticket = fence.take();
    fence.invalidated('b');
    const fillable = fence.redeemMany(ticket, ['a', 'b', 'c']);
    expect([fillable('a'), fillable('b'), fillable('c')]).toEqual([true, false, true]);
  });

  it('a ticket counts once: redeeming it again, or after a release, never fills', () => {
    const fence = new FillFence();
    const ticket = fence.take();
    expect(fence.redeem(ticket, 'k')).toBe(true);
    expect(fence.redeem(ticket, 'k')).toBe(false);
    const released = fence.take();
    fence.release(released);
    expect(fence.redeem(released, 'k')).toBe(false);
  });

  it('remembers invalidations only while reads are in flight, and only back to the oldest one', () => {
    const fence = new FillFence();
    fence.invalidated('nobody-reading');
    expect(fence.remembered).toBe(0);
    const oldest = fence.take();
    for (let i = 0; i < 100; i++) fence.invalidated(`k${i}`);
    const young = fence.take();
    fence.invalidated('after-young');
    expect(fence.remembered).toBe(101);
    fence.release(oldest);
    // Only what the young ticket could still be blocked by is kept.
    expect(fence.remembered).toBe(1);
    expect(fence.redeem(young, 'after-young')).toBe(false);
    expect(fence.remembered).toBe(0);
  });

  it('stays bounded under a steady stream of overlapping reads and invalidations', () => {
    const fence = new FillFence();
    const open: number[] = [];
    for (let i = 0; i < 100_000; i++) {
      open.push(fence.take());
      fence.invalidated(`key-${i}`);
      if (open.length > 50) fence.release(open.shift()!);
    }
    expect(fence.remembered).toBeLessThanOrEqual(51);
  });
});
