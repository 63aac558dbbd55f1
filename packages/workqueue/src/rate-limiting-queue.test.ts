import { describe, expect, it } from "vitest";
import { FakeClock } from "./fake-clock.js";
import { ItemExponentialFailureRateLimiter } from "./rate-limiters.js";
import { RateLimitingWorkQueue } from "./rate-limiting-queue.js";

describe("RateLimitingWorkQueue", () => {
  it("retries with the limiter's back-off and counts requeues", async () => {
    const clock = new FakeClock();
    const q = new RateLimitingWorkQueue({
      clock,
      rateLimiter: new ItemExponentialFailureRateLimiter(10, 1000),
    });
    q.addRateLimited("a"); // waits 10 ms
    expect(q.numRequeues("a")).toBe(1);
    clock.step(9);
    expect(q.len()).toBe(0);
    clock.step(1);
    expect(await q.get()).toBe("a");
    q.addRateLimited("a"); // fails again: 20 ms
    q.done("a");
    clock.step(19);
    expect(q.len()).toBe(0);
    clock.step(1);
    expect(q.len()).toBe(1);
    expect(q.numRequeues("a")).toBe(2);
  });

  it("forget resets the back-off without touching the queue", async () => {
    const clock = new FakeClock();
    const q = new RateLimitingWorkQueue({
      clock,
      rateLimiter: new ItemExponentialFailureRateLimiter(10, 1000),
    });
    q.addRateLimited("a");
    q.addRateLimited("a");
    clock.step(10);
    expect(await q.get()).toBe("a");
    q.forget("a");
    expect(q.numRequeues("a")).toBe(0);
    q.done("a");
    q.addRateLimited("a");
    clock.step(10);
    expect(q.len()).toBe(1);
  });

  it("defaults to the controller limiter on the queue's clock", async () => {
    const clock = new FakeClock();
    const q = new RateLimitingWorkQueue({ clock });
    q.addRateLimited("a");
    expect(clock.nextTimerAt()).toBe(5);
    clock.step(5);
    expect(await q.get()).toBe("a");
    expect(q.metrics.snapshot().retries).toBe(1);
  });

  it("neither queues nor counts a retry once shutting down", () => {
    const clock = new FakeClock();
    const q = new RateLimitingWorkQueue({ clock });
    q.shutDown();
    q.addRateLimited("a");
    expect(q.numRequeues("a")).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });
});
