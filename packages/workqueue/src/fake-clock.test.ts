import { describe, expect, it } from "vitest";
import { FakeClock } from "./fake-clock.js";

describe("FakeClock", () => {
  it("moves only when stepped", () => {
    const clock = new FakeClock(1000);
    expect(clock.now()).toBe(1000);
    clock.step(250);
    expect(clock.now()).toBe(1250);
  });

  it("fires due timers in due order, reading their due time", () => {
    const clock = new FakeClock();
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`b@${clock.now()}`), 20);
    clock.setTimeout(() => fired.push(`a@${clock.now()}`), 10);
    clock.setTimeout(() => fired.push(`a2@${clock.now()}`), 10);
    clock.setTimeout(() => fired.push(`c@${clock.now()}`), 30);
    clock.step(25);
    expect(fired).toEqual(["a@10", "a2@10", "b@20"]);
    expect(clock.now()).toBe(25);
    expect(clock.pendingTimers).toBe(1);
  });

  it("fires within the same step a timer set by a callback", () => {
    const clock = new FakeClock();
    const fired: number[] = [];
    clock.setTimeout(() => {
      fired.push(clock.now());
      clock.setTimeout(() => fired.push(clock.now()), 5);
    }, 10);
    clock.step(20);
    expect(fired).toEqual([10, 15]);
  });

  it("does not fire cleared timers", () => {
    const clock = new FakeClock();
    let fired = false;
    const handle = clock.setTimeout(() => (fired = true), 10);
    clock.clearTimeout(handle);
    clock.clearTimeout(handle);
    clock.step(100);
    expect(fired).toBe(false);
    expect(clock.nextTimerAt()).toBeUndefined();
  });

  it("refuses to go back", () => {
    expect(() => new FakeClock().step(-1)).toThrow(RangeError);
  });
});
