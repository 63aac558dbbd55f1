import { describe, expect, it } from "vitest";
import { Backoff } from "./backoff.js";
import { goDuration } from "./timestamps.js";

describe("Backoff", () => {
  it("starts at the initial delay, doubles up to the maximum, and resets after a long quiet time", () => {
    let now = 0;
    const b = new Backoff(10_000, 300_000, () => now);
    expect(b.isInBackOffSince("k", 0)).toBe(false);
    b.next("k", 0);
    expect(b.get("k")).toBe(10_000);
    now = 5_000;
    expect(b.isInBackOffSince("k", 4_000)).toBe(true);
    now = 14_001;
    expect(b.isInBackOffSince("k", 4_000)).toBe(false);
    const delays: number[] = [];
    for (let i = 0; i < 7; i++) {
      b.next("k", now);
      delays.push(b.get("k"));
      now += 1000;
    }
    expect(delays).toEqual([20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000]);
    // The container ran for more than twice the maximum since the last restart: start over.
    now += 600_001;
    b.next("k", now);
    expect(b.get("k")).toBe(10_000);
  });

  it("measures pull back-offs from the last attempt", () => {
    let now = 1000;
    const b = new Backoff(100, 1000, () => now);
    b.next("img", now);
    now = 1050;
    expect(b.isInBackOffSinceUpdate("img", now)).toBe(true);
    expect(b.remaining("img", b.lastUpdate("img") ?? 0)).toBe(50);
    now = 1101;
    expect(b.isInBackOffSinceUpdate("img", now)).toBe(false);
  });

  it("forgets a pod's keys", () => {
    const b = new Backoff(100, 1000);
    b.next("uid1_web", 0);
    b.next("uid2_web", 0);
    b.forgetPrefix("uid1_");
    expect(b.get("uid1_web")).toBe(0);
    expect(b.get("uid2_web")).toBe(100);
  });
});

describe("goDuration", () => {
  it("prints durations as Go does", () => {
    expect(goDuration(10_000)).toBe("10s");
    expect(goDuration(80_000)).toBe("1m20s");
    expect(goDuration(300_000)).toBe("5m0s");
    expect(goDuration(200)).toBe("200ms");
    expect(goDuration(1500)).toBe("1.5s");
    expect(goDuration(3_600_000)).toBe("1h0m0s");
  });
});
