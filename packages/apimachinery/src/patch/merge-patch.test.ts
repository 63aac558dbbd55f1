import { describe, it, expect } from "vitest";
import { applyMergePatch } from "./merge-patch.js";

describe("applyMergePatch", () => {
  it("merges objects recursively and deletes keys set to null", () => {
    const original = {
      metadata: { name: "cm", labels: { a: "1", b: "2" }, annotations: { keep: "x", drop: "y" } },
      data: { one: "1" },
    };
    const snapshot = structuredClone(original);
    const result = applyMergePatch(original, {
      metadata: { labels: { b: "3", c: "4" }, annotations: { drop: null } },
      data: { two: "2" },
    });
    expect(result).toEqual({
      metadata: { name: "cm", labels: { a: "1", b: "3", c: "4" }, annotations: { keep: "x" } },
      data: { one: "1", two: "2" },
    });
    expect(original).toEqual(snapshot);
  });

  it("replaces arrays wholesale (containers are not merged by name)", () => {
    const original = { spec: { containers: [{ name: "a", image: "x" }, { name: "b" }] } };
    expect(applyMergePatch(original, { spec: { containers: [{ name: "a", image: "y" }] } })).toEqual({
      spec: { containers: [{ name: "a", image: "y" }] },
    });
  });

  it("replaces scalars and type changes", () => {
    expect(applyMergePatch({ a: "b" }, { a: "c" })).toEqual({ a: "c" });
    expect(applyMergePatch({ a: [1] }, { a: { b: 1 } })).toEqual({ a: { b: 1 } });
    expect(applyMergePatch({ a: { b: 1 } }, { a: 2 })).toEqual({ a: 2 });
  });

  it("drops nulls inside newly added objects (RFC 7386 appendix A)", () => {
    expect(applyMergePatch({}, { a: { bb: { ccc: null } } })).toEqual({ a: { bb: {} } });
    expect(applyMergePatch({ e: null }, { a: 1 })).toEqual({ e: null, a: 1 });
  });

  it("follows the RFC for non-object patches and targets", () => {
    expect(applyMergePatch({ a: "b" }, ["c"])).toEqual(["c"]);
    expect(applyMergePatch({ a: "foo" }, null)).toBeNull();
    expect(applyMergePatch(["a", "b"], { a: "b" })).toEqual({ a: "b" });
    expect(applyMergePatch(undefined, { a: "b" })).toEqual({ a: "b" });
  });

  it("removing a missing key is a no-op", () => {
    expect(applyMergePatch({ a: 1 }, { b: null })).toEqual({ a: 1 });
  });
});
