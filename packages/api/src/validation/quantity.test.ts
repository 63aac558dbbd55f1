import { describe, it, expect } from "vitest";
import { isWholeUnits, parseQuantity, QUANTITY_FORMAT_ERROR, QUANTITY_SUFFIX_ERROR } from "./quantity.js";

const nano = (text: string): bigint => {
  const q = parseQuantity(text);
  if (!q.ok) throw new Error(q.error);
  return q.nano;
};

describe("parseQuantity", () => {
  it("reads decimal, binary and exponent suffixes", () => {
    expect(nano("1")).toBe(1_000_000_000n);
    expect(nano("500m")).toBe(500_000_000n);
    expect(nano("1Ki")).toBe(1024n * 1_000_000_000n);
    expect(nano("1.5Gi")).toBe(1536n * 1024n * 1024n * 1_000_000_000n);
    expect(nano("2e3")).toBe(2000n * 1_000_000_000n);
    expect(nano("1n")).toBe(1n);
    expect(nano("-1")).toBe(-1_000_000_000n);
    expect(nano(".5")).toBe(500_000_000n);
  });

  it("rounds finer than nano up", () => {
    expect(nano("0.0000000001")).toBe(1n);
  });

  it("rejects what Kubernetes rejects", () => {
    expect(parseQuantity("")).toEqual({ ok: false, error: QUANTITY_FORMAT_ERROR });
    expect(parseQuantity("one")).toEqual({ ok: false, error: QUANTITY_FORMAT_ERROR });
    expect(parseQuantity("1.2.3")).toEqual({ ok: false, error: QUANTITY_FORMAT_ERROR });
    expect(parseQuantity("1KB")).toEqual({ ok: false, error: QUANTITY_FORMAT_ERROR });
    expect(parseQuantity("1ki")).toEqual({ ok: false, error: QUANTITY_SUFFIX_ERROR });
  });

  it("tells whole units from fractions", () => {
    expect(isWholeUnits(nano("3"))).toBe(true);
    expect(isWholeUnits(nano("1500m"))).toBe(false);
  });
});
