import { describe, it, expect } from "vitest";
import { PatchError } from "./errors.js";
import { applyJsonPatch, parseJsonPointer } from "./json-patch.js";

const deployment = () => ({
  metadata: { name: "web", labels: { app: "web" }, annotations: { "example.com/a~b": "1" } },
  spec: { replicas: 2, template: { spec: { containers: [{ name: "web", image: "nginx:1" }] } } },
});

describe("parseJsonPointer", () => {
  it("splits and unescapes tokens", () => {
    expect(parseJsonPointer("")).toEqual([]);
    expect(parseJsonPointer("/a/b~1c/d~0e/~01")).toEqual(["a", "b/c", "d~e", "~1"]);
    expect(parseJsonPointer("/")).toEqual([""]);
  });

  it("rejects malformed pointers", () => {
    expect(() => parseJsonPointer("a/b")).toThrow(PatchError);
    expect(() => parseJsonPointer("/a~2")).toThrow(/bad "~" escape/);
    expect(() => parseJsonPointer("/a~")).toThrow(/bad "~" escape/);
  });
});

describe("applyJsonPatch", () => {
  it("applies the ops kubectl patch --type=json sends, without mutating the input", () => {
    const original = deployment();
    const snapshot = structuredClone(original);
    const result = applyJsonPatch(original, [
      { op: "test", path: "/spec/replicas", value: 2 },
      { op: "replace", path: "/spec/replicas", value: 3 },
      { op: "add", path: "/metadata/labels/tier", value: "frontend" },
      { op: "remove", path: "/metadata/annotations/example.com~1a~0b" },
      { op: "replace", path: "/spec/template/spec/containers/0/image", value: "nginx:2" },
      { op: "add", path: "/spec/template/spec/containers/-", value: { name: "sidecar", image: "envoy" } },
    ]);
    expect(result).toEqual({
      metadata: { name: "web", labels: { app: "web", tier: "frontend" }, annotations: {} },
      spec: {
        replicas: 3,
        template: {
          spec: {
            containers: [
              { name: "web", image: "nginx:2" },
              { name: "sidecar", image: "envoy" },
            ],
          },
        },
      },
    });
    expect(original).toEqual(snapshot);
  });

  it("inserts at an index and allows the index one past the end", () => {
    const doc = { list: ["a", "c"] };
    expect(applyJsonPatch(doc, [{ op: "add", path: "/list/1", value: "b" }])).toEqual({
      list: ["a", "b", "c"],
    });
    expect(applyJsonPatch(doc, [{ op: "add", path: "/list/2", value: "d" }])).toEqual({
      list: ["a", "c", "d"],
    });
  });

  it("moves and copies values", () => {
    const doc = { a: { x: 1 }, list: [1, 2, 3] };
    expect(applyJsonPatch(doc, [{ op: "move", from: "/a/x", path: "/b" }])).toEqual({
      a: {},
      b: 1,
      list: [1, 2, 3],
    });
    expect(applyJsonPatch(doc, [{ op: "move", from: "/list/0", path: "/list/-" }])).toEqual({
      a: { x: 1 },
      list: [2, 3, 1],
    });
    const copied = applyJsonPatch(doc, [
      { op: "copy", from: "/a", path: "/c" },
      { op: "add", path: "/c/y", value: 2 },
    ]);
    expect(copied).toEqual({ a: { x: 1 }, c: { x: 1, y: 2 }, list: [1, 2, 3] });
  });

  it("does not alias values from the patch into the result", () => {
    const patch = [
      { op: "add", path: "/a", value: { x: 1 } },
      { op: "add", path: "/a/y", value: 2 },
    ];
    applyJsonPatch({}, patch);
    expect(patch[0]).toEqual({ op: "add", path: "/a", value: { x: 1 } });
  });

  it("replaces the whole document with an empty path", () => {
    expect(applyJsonPatch({ a: 1 }, [{ op: "replace", path: "", value: { b: 2 } }])).toEqual({ b: 2 });
    expect(applyJsonPatch({ a: 1 }, [{ op: "add", path: "", value: [1] }])).toEqual([1]);
  });

  it("compares test values structurally, ignoring key order", () => {
    const doc = { spec: { selector: { a: "1", b: "2" } } };
    expect(applyJsonPatch(doc, [{ op: "test", path: "/spec/selector", value: { b: "2", a: "1" } }])).toEqual(
      doc,
    );
  });

  it("fails a test operation with Kubernetes' message", () => {
    expect(() => applyJsonPatch(deployment(), [{ op: "test", path: "/spec/replicas", value: 5 }])).toThrow(
      "testing value /spec/replicas failed: test failed",
    );
    expect(() => applyJsonPatch(deployment(), [{ op: "test", path: "/spec/nope", value: 5 }])).toThrow(
      /testing value \/spec\/nope failed: doc is missing path/,
    );
  });

  it("reports missing paths", () => {
    expect(() => applyJsonPatch(deployment(), [{ op: "add", path: "/spec/foo/bar", value: 1 }])).toThrow(
      'add operation does not apply: doc is missing path: "/spec/foo/bar": missing value',
    );
    expect(() => applyJsonPatch(deployment(), [{ op: "remove", path: "/spec/foo" }])).toThrow(
      'remove operation does not apply: doc is missing path: "/spec/foo": missing value',
    );
    expect(() => applyJsonPatch(deployment(), [{ op: "replace", path: "/spec/foo", value: 1 }])).toThrow(
      'replace operation does not apply: doc is missing key: "/spec/foo": missing value',
    );
    expect(() => applyJsonPatch(deployment(), [{ op: "copy", from: "/nope", path: "/x" }])).toThrow(
      PatchError,
    );
    expect(() => applyJsonPatch(deployment(), [{ op: "move", from: "/nope", path: "/x" }])).toThrow(
      PatchError,
    );
  });

  it("validates array indices", () => {
    const doc = { list: ["a", "b"] };
    const bad = ["/list/2", "/list/01", "/list/-1", "/list/x", "/list/-"];
    for (const path of bad) {
      expect(() => applyJsonPatch(doc, [{ op: "replace", path, value: "z" }]), path).toThrow(/invalid index/);
    }
    expect(() => applyJsonPatch(doc, [{ op: "add", path: "/list/3", value: "z" }])).toThrow(/invalid index/);
    expect(() => applyJsonPatch(doc, [{ op: "remove", path: "/list/2" }])).toThrow(/invalid index/);
  });

  it("rejects moving a value into its own child", () => {
    expect(() => applyJsonPatch({ a: { b: {} } }, [{ op: "move", from: "/a", path: "/a/b/c" }])).toThrow(
      /own child/,
    );
  });

  it("rejects malformed patches", () => {
    expect(() => applyJsonPatch({}, { op: "add" })).toThrow(/array of operations/);
    expect(() => applyJsonPatch({}, [{ op: "frobnicate", path: "/a" }])).toThrow(/unexpected kind/);
    expect(() => applyJsonPatch({}, [{ op: "add", path: "/a" }])).toThrow(/missing "value"/);
    expect(() => applyJsonPatch({}, [{ op: "copy", path: "/a" }])).toThrow(/missing "from"/);
    expect(() => applyJsonPatch({}, [{ op: "remove" }])).toThrow(/missing "path"/);
    expect(() => applyJsonPatch({}, ["add"])).toThrow(/not an object/);
  });

  it("adds null values and keys named __proto__ as plain data", () => {
    const result = applyJsonPatch({}, [
      { op: "add", path: "/a", value: null },
      { op: "add", path: "/__proto__", value: { polluted: true } },
    ]) as Record<string, unknown>;
    expect(Object.keys(result)).toEqual(["a", "__proto__"]);
    expect(result["a"]).toBeNull();
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
  });

  it("is all-or-nothing: a failing op leaves the input untouched", () => {
    const original = deployment();
    expect(() =>
      applyJsonPatch(original, [
        { op: "replace", path: "/spec/replicas", value: 9 },
        { op: "test", path: "/spec/replicas", value: 2 },
      ]),
    ).toThrow(PatchError);
    expect(original.spec.replicas).toBe(2);
  });
});
