import { describe, expect, it } from "vitest";
import { RoundRobinBalancer } from "./balancer.js";

const EPS = ["10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80"];

function counts(picks: (string | undefined)[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of picks) out[String(p)] = (out[String(p)] ?? 0) + 1;
  return out;
}

describe("RoundRobinBalancer", () => {
  it("hands out endpoints in turn, exactly evenly", () => {
    const b = new RoundRobinBalancer();
    b.update("svc", EPS);
    const picks = Array.from({ length: 300 }, (_, i) => b.next("svc", `1.1.1.${i % 7}`));
    expect(picks.slice(0, 4)).toEqual([EPS[0], EPS[1], EPS[2], EPS[0]]);
    expect(counts(picks)).toEqual({ [EPS[0]!]: 100, [EPS[1]!]: 100, [EPS[2]!]: 100 });
  });

  it("returns undefined without endpoints or for an unknown port", () => {
    const b = new RoundRobinBalancer();
    expect(b.next("nope", "1.1.1.1")).toBeUndefined();
    b.update("svc", []);
    expect(b.next("svc", "1.1.1.1")).toBeUndefined();
  });

  it("skips excluded (failed) endpoints and gives up when all failed", () => {
    const b = new RoundRobinBalancer();
    b.update("svc", EPS);
    const tried = new Set([EPS[0]!, EPS[1]!]);
    expect(b.next("svc", "c", tried)).toBe(EPS[2]);
    expect(b.next("svc", "c", tried)).toBe(EPS[2]);
    expect(b.next("svc", "c", new Set(EPS))).toBeUndefined();
  });

  it("keeps its rotation when the same endpoints come again, restarts it when they change", () => {
    const b = new RoundRobinBalancer();
    b.update("svc", EPS);
    expect(b.next("svc", "c")).toBe(EPS[0]);
    b.update("svc", [...EPS]);
    expect(b.next("svc", "c")).toBe(EPS[1]);
    b.update("svc", [EPS[2]!]);
    expect(Array.from({ length: 5 }, () => b.next("svc", "c"))).toEqual(Array(5).fill(EPS[2]));
  });

  it("sticks a client to its endpoint for the affinity timeout, others rotate", () => {
    let now = 0;
    const b = new RoundRobinBalancer(() => now);
    b.update("svc", EPS, 10);
    const first = b.next("svc", "client-a");
    for (let i = 0; i < 20; i++) {
      now += 1000; // each use renews the affinity
      expect(b.next("svc", "client-a")).toBe(first);
    }
    expect(b.next("svc", "client-b")).not.toBe(first);
    expect(b.affinityCount()).toBe(2);
    now += 10_001;
    const after = b.next("svc", "client-a");
    expect(after).toBeDefined();
    // client-a has a fresh affinity; client-b's expired and is swept.
    b.sweep();
    expect(b.affinityCount()).toBe(1);
  });

  it("moves an affinity away from an endpoint that failed or left", () => {
    const b = new RoundRobinBalancer();
    b.update("svc", EPS, 100);
    const first = b.next("svc", "a")!;
    const second = b.next("svc", "a", new Set([first]));
    expect(second).not.toBe(first);
    expect(b.next("svc", "a")).toBe(second);
    b.update(
      "svc",
      EPS.filter((e) => e !== second),
      100,
    );
    const third = b.next("svc", "a");
    expect(third).not.toBe(second);
    expect(b.next("svc", "a")).toBe(third);
  });

  it("drops affinities when affinity is switched off, and forgets removed ports", () => {
    const b = new RoundRobinBalancer();
    b.update("svc", EPS, 100);
    b.next("svc", "a");
    b.update("svc", EPS);
    expect(b.affinityCount()).toBe(0);
    const picks = Array.from({ length: 3 }, () => b.next("svc", "a"));
    expect(new Set(picks).size).toBe(3);
    b.remove("svc");
    expect(b.has("svc")).toBe(false);
    expect(b.endpoints("svc")).toEqual([]);
  });
});
