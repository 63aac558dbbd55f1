import { describe, expect, it } from "vitest";
import { AllocationBitmap } from "./bitmap.js";

/** A "random" source that always starts scans at the given fraction of the span. */
const at =
  (fraction: number) =>
  (n: number): number =>
    Math.floor(n * fraction);

describe("AllocationBitmap", () => {
  it("takes, refuses and frees offsets", () => {
    const b = new AllocationBitmap(10);
    expect(b.allocate(3)).toBe(true);
    expect(b.allocate(3)).toBe(false);
    expect(b.has(3)).toBe(true);
    expect(b.count).toBe(1);
    b.release(3);
    b.release(3); // twice is harmless
    b.release(42); // outside too
    expect(b.has(3)).toBe(false);
    expect(b.count).toBe(0);
    expect(() => b.allocate(10)).toThrow(RangeError);
    expect(() => b.allocate(-1)).toThrow(RangeError);
  });

  it("hands out every offset exactly once, then reports the range full", () => {
    const b = new AllocationBitmap(300, 16);
    const seen = new Set<number>();
    for (let i = 0; i < 300; i++) {
      const offset = b.allocateNext();
      expect(offset).toBeDefined();
      seen.add(offset ?? -1);
    }
    expect(seen.size).toBe(300);
    expect(b.count).toBe(300);
    expect(b.allocateNext()).toBeUndefined();
  });

  it("fills the upper band before the static band, and never hands out reserved offsets", () => {
    const b = new AllocationBitmap(40, 8, 1);
    const order: number[] = [];
    for (;;) {
      const offset = b.allocateNext(at(0));
      if (offset === undefined) break;
      order.push(offset);
    }
    // 8…39 first (scanning from the band's start), then 1…7; 0 stays free.
    expect(order).toEqual([...Array.from({ length: 32 }, (_, i) => 8 + i), 1, 2, 3, 4, 5, 6, 7]);
    expect(b.has(0)).toBe(false);
    // An explicit request may still take a reserved offset.
    expect(b.allocate(0)).toBe(true);
  });

  it("scans forward from a random start, wrapping inside the band", () => {
    const b = new AllocationBitmap(20, 4);
    // Start at the band's last offset: 19, then wrap to 4.
    expect(b.allocateNext(at(0.99))).toBe(19);
    expect(b.allocateNext(at(0.99))).toBe(4);
  });

  it("snapshots as Go's big.Int.Bytes (big-endian, no leading zeros) and restores", () => {
    const b = new AllocationBitmap(20);
    expect([...b.snapshot()]).toEqual([]);
    b.allocate(0);
    expect([...b.snapshot()]).toEqual([0x01]);
    b.allocate(9);
    expect([...b.snapshot()]).toEqual([0x02, 0x01]);
    b.allocate(19);
    expect([...b.snapshot()]).toEqual([0x08, 0x02, 0x01]);

    const copy = new AllocationBitmap(20);
    copy.restore(b.snapshot());
    expect([...copy.offsets()]).toEqual([0, 9, 19]);
    expect(copy.count).toBe(3);

    // Bits past the end (a snapshot of a larger range) are dropped.
    const small = new AllocationBitmap(10);
    small.restore(b.snapshot());
    expect([...small.offsets()]).toEqual([0, 9]);
    expect(small.count).toBe(2);
  });

  it("clones independently", () => {
    const b = new AllocationBitmap(16);
    b.allocate(1);
    const c = b.clone();
    c.allocate(2);
    expect([...b.offsets()]).toEqual([1]);
    expect([...c.offsets()]).toEqual([1, 2]);
  });
});
