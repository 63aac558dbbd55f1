import { describe, expect, it } from "vitest";
import { pod } from "../internal/test-objects.js";
import { SchedulingQueue } from "./scheduling-queue.js";

function setup(): { q: SchedulingQueue; clock: { now: number } } {
  const clock = { now: 0 };
  return { q: new SchedulingQueue({ now: () => clock.now }), clock };
}

describe("SchedulingQueue", () => {
  it("pops by priority, then by creation time", () => {
    const { q } = setup();
    q.add(pod("old-low", {}, { created: "2024-01-01T00:00:00Z" }));
    q.add(pod("new-high", {}, { created: "2024-01-03T00:00:00Z", priority: 10 }));
    q.add(pod("mid-low", {}, { created: "2024-01-02T00:00:00Z" }));
    q.add(pod("old-high", {}, { created: "2024-01-02T00:00:00Z", priority: 10 }));
    const order = [1, 2, 3, 4].map(() => q.tryPop()?.key);
    expect(order).toEqual(["default/old-high", "default/new-high", "default/old-low", "default/mid-low"]);
    expect(q.tryPop()).toBeUndefined();
  });

  it("does not duplicate a pod added twice and drops deleted ones", () => {
    const { q } = setup();
    q.add(pod("a"));
    q.add(pod("a"));
    q.add(pod("b"));
    q.delete(pod("b"));
    expect(q.tryPop()?.key).toBe("default/a");
    expect(q.tryPop()).toBeUndefined();
  });

  it("pop waits for a pod and returns undefined on abort", async () => {
    const { q } = setup();
    const waiting = q.pop();
    q.add(pod("a"));
    expect((await waiting)?.key).toBe("default/a");
    const stop = new AbortController();
    const idle = q.pop(stop.signal);
    stop.abort();
    expect(await idle).toBeUndefined();
  });

  it("backs off exponentially per pod, 1 s doubling to 10 s", () => {
    const { q, clock } = setup();
    q.add(pod("a"));
    const durations: number[] = [];
    for (let i = 0; i < 6; i++) {
      const info = q.tryPop()!;
      durations.push(q.backoffDuration(info));
      q.addUnschedulable(info, { error: true });
      expect(q.where("default/a")).toBe("backoff");
      clock.now += q.backoffDuration(info) - 1;
      q.flushBackoffCompleted();
      expect(q.where("default/a")).toBe("backoff");
      clock.now += 1;
      q.flushBackoffCompleted();
      expect(q.where("default/a")).toBe("active");
    }
    expect(durations).toEqual([1000, 2000, 4000, 8000, 10000, 10000]);
  });

  it("parks unschedulable pods until a cluster event moves them (to backoff while backing off)", () => {
    const { q, clock } = setup();
    q.add(pod("a"));
    q.add(pod("b"));
    const a = q.tryPop()!;
    const b = q.tryPop()!;
    q.addUnschedulable(a);
    clock.now += 5000;
    q.addUnschedulable(b);
    expect(q.lengths().unschedulable).toBe(2);
    q.moveAllToActiveOrBackoff();
    expect(q.where("default/a")).toBe("active"); // its 1 s back-off is over
    expect(q.where("default/b")).toBe("backoff"); // failed just now
  });

  it("sends a pod to backoff when a move event happened during its cycle", () => {
    const { q } = setup();
    q.add(pod("a"));
    const a = q.tryPop()!;
    q.moveAllToActiveOrBackoff(); // e.g. a node was added while "a" was being scheduled
    q.addUnschedulable(a);
    expect(q.where("default/a")).toBe("backoff");
  });

  it("moves a parked pod on a spec change but not on a status-only change", () => {
    const { q } = setup();
    q.add(pod("a"));
    q.addUnschedulable(q.tryPop()!);
    const withStatus = { ...pod("a"), status: { conditions: [{ type: "PodScheduled", status: "False" }] } };
    q.update(withStatus);
    expect(q.where("default/a")).toBe("unschedulable");
    q.update(pod("a", { cpu: "1" }));
    expect(q.where("default/a")).not.toBe("unschedulable");
  });

  it("flushes pods parked longer than 30 s", () => {
    const { q, clock } = setup();
    q.add(pod("a"));
    q.addUnschedulable(q.tryPop()!);
    clock.now += 29_999;
    q.flushUnschedulableLeftover();
    expect(q.where("default/a")).toBe("unschedulable");
    clock.now += 1;
    q.flushUnschedulableLeftover();
    expect(q.where("default/a")).toBe("active");
  });
});
