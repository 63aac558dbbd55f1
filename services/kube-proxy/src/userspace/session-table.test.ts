import { describe, expect, it } from "vitest";
import { SessionTable } from "./session-table.js";

function table(timeoutMs = 1000) {
  let now = 0;
  const closed: string[] = [];
  const t = new SessionTable<{ backend: string }>(
    timeoutMs,
    (s, key) => closed.push(`${key}->${s.backend}`),
    () => now,
  );
  return { t, closed, advance: (ms: number) => (now += ms) };
}

describe("SessionTable", () => {
  it("keeps a session's backend while it is used within the timeout", () => {
    const { t, closed, advance } = table();
    t.add("1.1.1.1:5000", { backend: "b1" });
    for (let i = 0; i < 10; i++) {
      advance(900);
      expect(t.use("1.1.1.1:5000")?.backend).toBe("b1");
    }
    expect(t.sweep()).toBe(0);
    expect(closed).toEqual([]);
  });

  it("expires idle sessions, on use and on sweep, closing each once", () => {
    const { t, closed, advance } = table();
    t.add("a", { backend: "b1" });
    t.add("b", { backend: "b2" });
    advance(500);
    t.use("b");
    advance(600);
    expect(t.use("a")).toBeUndefined();
    expect(closed).toEqual(["a->b1"]);
    expect(t.sweep()).toBe(0);
    advance(500);
    expect(t.sweep()).toBe(1);
    expect(closed).toEqual(["a->b1", "b->b2"]);
    expect(t.size).toBe(0);
  });

  it("replaces and removes sessions by predicate", () => {
    const { t, closed } = table();
    t.add("a", { backend: "b1" });
    t.add("a", { backend: "b2" });
    expect(closed).toEqual(["a->b1"]);
    t.add("c", { backend: "b3" });
    expect(t.removeWhere((s) => s.backend === "b3")).toBe(1);
    t.clear();
    expect(closed).toEqual(["a->b1", "c->b3", "a->b2"]);
    expect(t.size).toBe(0);
  });
});
