import { describe, expect, it } from "vitest";
import { FakeClock } from "./fake-clock.js";
import {
  BucketRateLimiter,
  defaultControllerRateLimiter,
  ItemExponentialFailureRateLimiter,
  MaxOfRateLimiter,
  type RateLimiter,
} from "./rate-limiters.js";

describe("ItemExponentialFailureRateLimiter", () => {
  it("doubles per failure from the base", () => {
    const r = new ItemExponentialFailureRateLimiter(1, 1000);
    expect([1, 2, 3, 4, 5].map(() => r.when("a"))).toEqual([1, 2, 4, 8, 16]);
    expect(r.numRequeues("a")).toBe(5);
  });

  it("caps at the maximum, however many failures", () => {
    const r = new ItemExponentialFailureRateLimiter(5, 1_000_000);
    const waits = Array.from({ length: 2000 }, () => r.when("a"));
    expect(waits[17]).toBe(5 * 2 ** 17);
    expect(waits[18]).toBe(1_000_000);
    expect(waits[1999]).toBe(1_000_000);
  });

  it("tracks keys separately and forgets them", () => {
    const r = new ItemExponentialFailureRateLimiter(10, 1000);
    r.when("a");
    r.when("a");
    expect(r.when("b")).toBe(10);
    expect(r.numRequeues("a")).toBe(2);
    r.forget("a");
    r.forget("a");
    expect(r.numRequeues("a")).toBe(0);
    expect(r.when("a")).toBe(10);
    expect(r.numRequeues("b")).toBe(1);
  });

  it("refuses negative durations", () => {
    expect(() => new ItemExponentialFailureRateLimiter(-1, 10)).toThrow(RangeError);
  });
});

describe("BucketRateLimiter", () => {
  it("lets a burst through, then spaces requests at qps", () => {
    const clock = new FakeClock();
    const r = new BucketRateLimiter(10, 3, clock);
    expect([r.when("a"), r.when("b"), r.when("c")]).toEqual([0, 0, 0]);
    expect(r.when("d")).toBeCloseTo(100);
    expect(r.when("e")).toBeCloseTo(200);
    expect(r.numRequeues("d")).toBe(0);
  });

  it("refills with time, up to the burst", () => {
    const clock = new FakeClock();
    const r = new BucketRateLimiter(10, 2, clock);
    r.when("a");
    r.when("a");
    expect(r.when("a")).toBeCloseTo(100);
    clock.step(300); // the debt of one is repaid, two tokens refilled
    expect(r.when("a")).toBe(0);
    expect(r.when("a")).toBe(0);
    expect(r.when("a")).toBeCloseTo(100);
    clock.step(60_000); // long idle: still only `burst` tokens
    expect(r.when("a")).toBe(0);
    expect(r.when("a")).toBe(0);
    expect(r.when("a")).toBeCloseTo(100);
  });

  it("is not affected by forget", () => {
    const clock = new FakeClock();
    const r = new BucketRateLimiter(1, 1, clock);
    r.when("a");
    r.forget("a");
    expect(r.when("a")).toBeCloseTo(1000);
  });

  it("refuses a zero rate or an empty bucket", () => {
    expect(() => new BucketRateLimiter(0, 1)).toThrow(RangeError);
    expect(() => new BucketRateLimiter(1, 0)).toThrow(RangeError);
  });
});

describe("MaxOfRateLimiter", () => {
  const fixed = (ms: number, requeues: number): RateLimiter & { forgotten: string[]; asked: number } => ({
    forgotten: [],
    asked: 0,
    when() {
      this.asked++;
      return ms;
    },
    forget(key: string) {
      this.forgotten.push(key);
    },
    numRequeues: () => requeues,
  });

  it("returns the longest wait and asks every limiter", () => {
    const a = fixed(5, 1);
    const b = fixed(50, 3);
    const c = fixed(20, 2);
    const r = new MaxOfRateLimiter(a, b, c);
    expect(r.when("k")).toBe(50);
    expect([a.asked, b.asked, c.asked]).toEqual([1, 1, 1]);
    expect(r.numRequeues("k")).toBe(3);
    r.forget("k");
    expect([a.forgotten, b.forgotten, c.forgotten]).toEqual([["k"], ["k"], ["k"]]);
  });

  it("waits 0 with no limiters", () => {
    expect(new MaxOfRateLimiter().when("k")).toBe(0);
  });
});

describe("defaultControllerRateLimiter", () => {
  it("backs off per key from 5 ms and caps at 1000 s", () => {
    const r = defaultControllerRateLimiter(new FakeClock());
    expect([r.when("a"), r.when("a"), r.when("a")]).toEqual([5, 10, 20]);
    expect(r.when("b")).toBe(5);
    for (let i = 0; i < 30; i++) r.when("c");
    expect(r.when("c")).toBe(1_000_000);
    r.forget("a");
    expect(r.numRequeues("a")).toBe(0);
  });

  it("spaces retries to 10 qps after a burst of 100", () => {
    const r = defaultControllerRateLimiter(new FakeClock());
    for (let i = 0; i < 100; i++) expect(r.when(`key-${i}`)).toBe(5);
    expect(r.when("key-100")).toBeCloseTo(100);
    expect(r.when("key-101")).toBeCloseTo(200);
  });
});
