import { describe, expect, it } from "vitest";
import { FakeClock } from "./fake-clock.js";
import { TimerQueue } from "./timer-queue.js";

describe("TimerQueue", () => {
  it("fires in due order, equal due times first come first served", async () => {
    const clock = new FakeClock(0);
    const timers = new TimerQueue(clock);
    const fired: string[] = [];
    timers.schedule(300, () => fired.push("c"));
    timers.schedule(100, () => fired.push("a"));
    timers.schedule(200, () => fired.push("b1"));
    timers.schedule(200, () => fired.push("b2"));
    await clock.advance(150);
    expect(fired).toEqual(["a"]);
    await clock.advance(1000);
    expect(fired).toEqual(["a", "b1", "b2", "c"]);
    expect(timers.size).toBe(0);
  });

  it("keeps one OS timer armed however many timers wait", async () => {
    let armed = 0;
    let maxArmed = 0;
    const clock = new FakeClock(0);
    const counting = {
      now: () => clock.now(),
      setTimeout: (fn: () => void, ms: number) => {
        armed++;
        maxArmed = Math.max(maxArmed, armed);
        return clock.setTimeout(() => {
          armed--;
          fn();
        }, ms);
      },
      clearTimeout: (h: unknown) => {
        armed--;
        clock.clearTimeout(h);
      },
    };
    const timers = new TimerQueue(counting);
    let fired = 0;
    for (let i = 0; i < 5000; i++) timers.schedule(5000 - i, () => fired++);
    expect(maxArmed).toBe(1);
    await clock.advance(6000);
    expect(fired).toBe(5000);
  });

  it("cancelled timers do not fire and the heap compacts", async () => {
    const clock = new FakeClock(0);
    const timers = new TimerQueue(clock);
    let fired = 0;
    const handles = Array.from({ length: 1000 }, (_, i) => timers.schedule(10 + i, () => fired++));
    for (const [i, h] of handles.entries()) if (i % 10 !== 0) h.cancel();
    expect(timers.size).toBe(100);
    await clock.advance(2000);
    expect(fired).toBe(100);
    handles[0]?.cancel(); // after firing: no effect
    expect(timers.size).toBe(0);
  });

  it("a callback re-scheduling itself for now runs on the next turn, not in a loop", async () => {
    const clock = new FakeClock(0);
    const timers = new TimerQueue(clock);
    let runs = 0;
    const again = (): void => {
      runs++;
      if (runs < 3) timers.schedule(clock.now(), again);
    };
    timers.schedule(10, again);
    await clock.advance(10);
    expect(runs).toBe(3);
  });

  it("reports a throwing callback and keeps going; stop() silences everything", async () => {
    const clock = new FakeClock(0);
    const errors: unknown[] = [];
    const timers = new TimerQueue(clock, (err) => errors.push(err));
    let fired = 0;
    timers.schedule(1, () => {
      throw new Error("boom");
    });
    timers.schedule(2, () => fired++);
    timers.schedule(50, () => fired++);
    await clock.advance(10);
    expect(errors).toHaveLength(1);
    expect(fired).toBe(1);
    timers.stop();
    timers.schedule(20, () => fired++);
    await clock.advance(100);
    expect(fired).toBe(1);
  });

  it("works on the real clock", async () => {
    const timers = new TimerQueue();
    const order: number[] = [];
    await new Promise<void>((resolve) => {
      timers.after(30, () => {
        order.push(2);
        resolve();
      });
      timers.after(5, () => order.push(1));
    });
    expect(order).toEqual([1, 2]);
  });
});
