import { describe, expect, it } from "vitest";
import { Expectations } from "./expectations.js";

describe("Expectations", () => {
  it("is satisfied once every expected creation and deletion was observed", () => {
    const e = new Expectations();
    expect(e.satisfied("ns/rs")).toBe(true);
    e.expect("ns/rs", 2, ["u1"]);
    expect(e.satisfied("ns/rs")).toBe(false);
    e.creationObserved("ns/rs");
    e.creationObserved("ns/rs");
    expect(e.satisfied("ns/rs")).toBe(false);
    e.deletionObserved("ns/rs", "other");
    expect(e.satisfied("ns/rs")).toBe(false);
    e.deletionObserved("ns/rs", "u1");
    expect(e.satisfied("ns/rs")).toBe(true);
  });

  it("expires after the TTL so a lost event cannot wedge the controller", () => {
    let now = 0;
    const e = new Expectations({ now: () => now }, 1000);
    e.expect("k", 3);
    now = 999;
    expect(e.satisfied("k")).toBe(false);
    now = 1001;
    expect(e.satisfied("k")).toBe(true);
  });

  it("forgets deleted owners", () => {
    const e = new Expectations();
    e.expect("k", 1);
    e.delete("k");
    expect(e.satisfied("k")).toBe(true);
    expect(e.pending("k")).toBeUndefined();
  });
});
