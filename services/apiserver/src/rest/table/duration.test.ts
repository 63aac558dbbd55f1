import { describe, expect, it } from "vitest";
import { humanDuration, parseTimestamp, translateTimestampSince } from "./duration.js";

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe("humanDuration", () => {
  // The cases of k8s.io/apimachinery/pkg/util/duration's own test, plus each branch's edges.
  it.each([
    [1 * S, "1s"],
    [70 * S, "70s"],
    [190 * S, "3m10s"],
    [70 * M, "70m"],
    [47 * H, "47h"],
    [49 * H, "2d1h"],
    [(8 * 24 + 2) * H, "8d"],
    [367 * D, "367d"],
    [(365 * 2 * 24 + 25) * H, "2y1d"],
    [(365 * 8 * 24 + 2) * H, "8y"],
  ])("%d ms is %s (Kubernetes' test table)", (ms, want) => {
    expect(humanDuration(ms)).toBe(want);
  });

  it.each([
    [0, "0s"],
    [999, "0s"],
    [5 * S, "5s"],
    [119 * S + 999, "119s"],
    [120 * S, "2m"],
    [200 * S, "3m20s"],
    [9 * M + 59 * S, "9m59s"],
    [10 * M, "10m"],
    [10 * M + 30 * S, "10m"],
    [179 * M, "179m"],
    [180 * M, "3h"],
    [5 * H + 2 * M, "5h2m"],
    [7 * H + 59 * M, "7h59m"],
    [8 * H, "8h"],
    [48 * H, "2d"],
    [2 * D + 3 * H, "2d3h"],
    [7 * D + 23 * H, "7d23h"],
    [8 * D, "8d"],
    [729 * D, "729d"],
    [730 * D, "2y"],
    [3 * 365 * D + 45 * D, "3y45d"],
    [8 * 365 * D, "8y"],
    [20 * 365 * D + 100 * D, "20y"],
  ])("%d ms is %s", (ms, want) => {
    expect(humanDuration(ms)).toBe(want);
  });

  it("treats up to 2s in the future as now, and more as invalid", () => {
    expect(humanDuration(-500)).toBe("0s");
    expect(humanDuration(-1999)).toBe("0s");
    expect(humanDuration(-2000)).toBe("<invalid>");
    expect(humanDuration(-10 * M)).toBe("<invalid>");
  });
});

describe("translateTimestampSince", () => {
  const now = new Date("2024-05-01T12:00:00Z");

  it("prints the age of an RFC 3339 timestamp", () => {
    expect(translateTimestampSince("2024-05-01T11:56:40Z", now)).toBe("3m20s");
    expect(translateTimestampSince("2024-04-29T09:00:00Z", now)).toBe("2d3h");
    expect(translateTimestampSince("2024-05-01T11:59:59.500000Z", now)).toBe("0s");
  });

  it("accepts epoch milliseconds", () => {
    expect(translateTimestampSince(now.getTime() - 10 * M, now)).toBe("10m");
  });

  it("is <unknown> for missing, unparsable and Go zero times", () => {
    expect(translateTimestampSince(undefined, now)).toBe("<unknown>");
    expect(translateTimestampSince("", now)).toBe("<unknown>");
    expect(translateTimestampSince("yesterday-ish", now)).toBe("<unknown>");
    expect(translateTimestampSince("0001-01-01T00:00:00Z", now)).toBe("<unknown>");
  });
});

describe("parseTimestamp", () => {
  it("returns epoch milliseconds or undefined", () => {
    expect(parseTimestamp("1970-01-01T00:00:01Z")).toBe(1000);
    expect(parseTimestamp("0001-01-01T00:00:00Z")).toBeUndefined();
    expect(parseTimestamp(undefined)).toBeUndefined();
  });
});
