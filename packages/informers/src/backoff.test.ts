import { describe, expect, it } from "vitest";
import { Backoff, DEFAULT_BACKOFF } from "./backoff.js";
import { FakeClock } from "./clock.js";

describe("Backoff", () => {
  it("doubles from 800 ms to a 30 s cap", () => {
    const clock = new FakeClock();
    const backoff = new Backoff({ jitter: 0 }, { clock });
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      const d = backoff.next();
      delays.push(d);
      clock.advance(d); // each retry fails at once
    }
    expect(delays).toEqual([800, 1600, 3200, 6400, 12_800, 25_600, 30_000, 30_000]);
  });

  it("adds up to +100 % jitter by default, so a capped client waits 30–60 s", () => {
    const clock = new FakeClock();
    let r = 0;
    const backoff = new Backoff({}, { clock, random: () => r });
    expect(backoff.next()).toBe(800);
    r = 0.999;
    expect(backoff.next()).toBe(Math.round(1600 * 1.999));
    expect(DEFAULT_BACKOFF).toMatchObject({ initialMs: 800, maxMs: 30_000, factor: 2, jitter: 1 });

    const spread = new Set<number>();
    const capped = new Backoff({ initialMs: 30_000 }, { clock });
    for (let i = 0; i < 20; i++) {
      const d = capped.next();
      expect(d).toBeGreaterThanOrEqual(30_000);
      expect(d).toBeLessThanOrEqual(60_000);
      spread.add(d);
    }
    expect(spread.size).toBeGreaterThan(1);
  });

  it("starts over after a healthy period without retries", () => {
    const clock = new FakeClock();
    const backoff = new Backoff({ jitter: 0, resetAfterMs: 120_000 }, { clock });
    for (const expected of [800, 1600, 3200]) {
      const d = backoff.next();
      expect(d).toBe(expected);
      clock.advance(d);
    }
    // Connected for a minute, then dropped: still unhealthy, keep growing.
    clock.advance(60_000);
    expect(backoff.next()).toBe(6400);
    clock.advance(6400);
    // Connected for two minutes: healthy, start over.
    clock.advance(120_000);
    expect(backoff.next()).toBe(800);
  });
});
