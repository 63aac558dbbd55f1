import { describe, expect, it } from "vitest";
import { age, humanDuration } from "./age.js";

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe("humanDuration", () => {
  it.each([
    [0, "0s"],
    [-1500, "0s"],
    [-3 * S, "<invalid>"],
    [45 * S, "45s"],
    [119 * S, "119s"],
    [5 * M + 10 * S, "5m10s"],
    [5 * M, "5m"],
    [42 * M, "42m"],
    [3 * H + 20 * M, "3h20m"],
    [10 * H, "10h"],
    [2 * D + 3 * H, "2d3h"],
    [9 * D, "9d"],
    [800 * D, "2y70d"],
    [3000 * D, "8y"],
  ])("%i ms is %s", (ms, text) => expect(humanDuration(ms)).toBe(text));

  it("measures a timestamp's age and has no age without one", () => {
    const now = Date.parse("2026-01-02T00:00:00Z");
    expect(age("2026-01-01T21:00:00Z", now)).toBe("3h");
    expect(age(undefined, now)).toBe("<unknown>");
  });
});
