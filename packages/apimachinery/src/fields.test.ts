import { describe, expect, it } from "vitest";
import { escapeFieldValue, fieldSelectorFromSet, parseFieldSelector, unescapeFieldValue } from "./fields.js";
import { SelectorParseError } from "./labels.js";

describe("parseFieldSelector", () => {
  it.each([
    ["", ""],
    ["spec.nodeName=node-1", "spec.nodeName=node-1"],
    ["spec.nodeName==node-1", "spec.nodeName=node-1"],
    ["status.phase!=Running", "status.phase!=Running"],
    ["status.phase!=Running,metadata.name=a", "metadata.name=a,status.phase!=Running"],
    ["a=,b!=", "a=,b!="],
    ["a=b,,c=d", "a=b,c=d"],
    ["=", ""],
    ["a==b\\=c", "a=b\\=c"],
    ["a=x\\,y", "a=x\\,y"],
    ["a=x\\\\y", "a=x\\\\y"],
  ])("parses %j as %j", (text, canonical) => {
    expect(parseFieldSelector(text).toString()).toBe(canonical);
  });

  it("folds == into = and keeps field names verbatim", () => {
    expect(parseFieldSelector("b==1, a!=2").requirements).toEqual([
      { field: " a", operator: "!=", value: "2" },
      { field: "b", operator: "=", value: "1" },
    ]);
  });

  it("splits each term at its first operator", () => {
    expect(parseFieldSelector("a!=\\=b").requirements).toEqual([{ field: "a", operator: "!=", value: "=b" }]);
    expect(parseFieldSelector("a==\\=b").requirements).toEqual([{ field: "a", operator: "=", value: "=b" }]);
  });

  it("unescapes values", () => {
    expect(parseFieldSelector("a=x\\,y\\=z\\\\").requirements).toEqual([
      { field: "a", operator: "=", value: "x,y=z\\" },
    ]);
  });

  it.each([
    ["a", "invalid selector: 'a'; can't understand 'a'"],
    ["x=1,b", "invalid selector: 'x=1,b'; can't understand 'b'"],
    ["a=b\\c", "invalid field selector: invalid escape sequence: \\c"],
    ["a=b\\", "invalid field selector: invalid escape sequence: \\"],
    ["a=b=c", "invalid field selector: unescaped character in value: 61"],
    ["a!==b", "invalid field selector: unescaped character in value: 61"],
  ])("rejects %j", (text, message) => {
    expect(() => parseFieldSelector(text)).toThrow(new SelectorParseError(message));
  });

  it("names the first bad term in sorted order, as Kubernetes does", () => {
    expect(() => parseFieldSelector("z,a")).toThrow("invalid selector: 'z,a'; can't understand 'a'");
  });
});

describe("FieldSelector.matches", () => {
  const fields = { "spec.nodeName": "n1", "status.phase": "Running" };
  it.each([
    ["", true],
    ["spec.nodeName=n1", true],
    ["spec.nodeName=n2", false],
    ["spec.nodeName!=n2", true],
    ["spec.nodeName=n1,status.phase!=Running", false],
    ["spec.nodeName=n1,status.phase=Running", true],
    ["spec.schedulerName=", true],
    ["spec.schedulerName!=", false],
  ])("%j -> %s", (text, want) => {
    expect(parseFieldSelector(text).matches(fields)).toBe(want);
  });
});

describe("requiresExactMatch and empty", () => {
  it("returns the pinned value for = and ==", () => {
    const s = parseFieldSelector("spec.nodeName==n1,status.phase!=Failed");
    expect(s.requiresExactMatch("spec.nodeName")).toBe("n1");
    expect(s.requiresExactMatch("status.phase")).toBeUndefined();
    expect(s.requiresExactMatch("metadata.name")).toBeUndefined();
    expect(parseFieldSelector("spec.nodeName=").requiresExactMatch("spec.nodeName")).toBe("");
  });

  it("is empty without terms", () => {
    expect(parseFieldSelector("").empty()).toBe(true);
    expect(parseFieldSelector(",").empty()).toBe(true);
    expect(parseFieldSelector("a=b").empty()).toBe(false);
  });
});

describe("escaping", () => {
  it("round-trips values", () => {
    const raw = "a,b=c\\d";
    expect(escapeFieldValue(raw)).toBe("a\\,b\\=c\\\\d");
    expect(unescapeFieldValue(escapeFieldValue(raw))).toBe(raw);
    expect(parseFieldSelector(`x=${escapeFieldValue(raw)}`).requiresExactMatch("x")).toBe(raw);
  });

  it("builds selectors from sets", () => {
    expect(fieldSelectorFromSet({ "metadata.name": "a,b" }).toString()).toBe("metadata.name=a\\,b");
    expect(fieldSelectorFromSet(undefined).empty()).toBe(true);
  });
});
