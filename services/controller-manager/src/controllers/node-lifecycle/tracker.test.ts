import { describe, expect, it } from "vitest";
import { HeartbeatTracker } from "./tracker.js";

describe("HeartbeatTracker", () => {
  it("waits a full grace period from its start before judging a node never heard from", () => {
    const t = new HeartbeatTracker(40_000, 1_000);
    expect(t.judge("a", 41_000)).toBe("healthy");
    expect(t.judge("a", 41_001)).toBe("unreachable");
    expect(t.deadline("a")).toBe(41_000);
  });

  it("keeps the latest last-seen time per node and judges against it", () => {
    const t = new HeartbeatTracker(4_000, 0);
    t.heard("a", 10_000);
    t.heard("a", 9_000); // out of order: ignored
    t.heard("b", 2_000);
    expect(t.lastSeen("a")).toBe(10_000);
    expect(t.judge("a", 14_000)).toBe("healthy");
    expect(t.judge("a", 14_001)).toBe("unreachable");
    expect(t.judge("b", 6_001)).toBe("unreachable");
    t.heard("b", 6_500);
    expect(t.judge("b", 6_600)).toBe("healthy");
    t.forget("a");
    expect(t.lastSeen("a")).toBeUndefined();
    expect(t.size).toBe(1);
  });

  it("gives every node a fresh grace period after a NATS outage", () => {
    const t = new HeartbeatTracker(4_000, 0);
    t.heard("a", 1_000);
    expect(t.judge("a", 8_000)).toBe("unreachable");
    t.restartGrace(8_000); // the bus came back
    expect(t.judge("a", 12_000)).toBe("healthy");
    expect(t.judge("a", 12_001)).toBe("unreachable");
  });
});
