import { describe, expect, it } from "vitest";
import { everything, parseLabelSelector, SelectorParseError, selectorFromLabelSelector } from "./labels.js";

const NAME_PART =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric " +
  "character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and " +
  "end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is " +
  "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

function parseError(text: string): string {
  try {
    parseLabelSelector(text);
  } catch (err) {
    expect(err).toBeInstanceOf(SelectorParseError);
    expect((err as Error).name).toBe("SelectorParseError");
    return (err as Error).message;
  }
  throw new Error(`${JSON.stringify(text)} parsed`);
}

describe("parseLabelSelector syntax", () => {
  it.each([
    ["", ""],
    ["x=a,y=b,z=c", "x=a,y=b,z=c"],
    ["z=c,x=a,y=b", "x=a,y=b,z=c"],
    ["x!=a,y=b", "x!=a,y=b"],
    ["x==a", "x==a"],
    ["x=", "x="],
    ["x= ", "x="],
    ["x=,z= ", "x=,z="],
    ["x= ,z= ", "x=,z="],
    ["!x", "!x"],
    ["x", "x"],
    ["x>1", "x>1"],
    ["x>1,z<5", "x>1,z<5"],
    ["x in (b,a)", "x in (a,b)"],
    ["x notin (a,,b)", "x notin (,a,b)"],
    ["x in (,a)", "x in (,a)"],
    ["x in (a,)", "x in (,a)"],
    ["x in ()", "x in ()"],
    ["x in (a,a)", "x in (a)"],
    ["in in (in)", "in in (in)"],
    ["x notin (notin)", "x notin (notin)"],
    ["  x  =  a  ,\ty\n", "x=a,y"],
    ["!k8s.io/x,app.kubernetes.io/name=web", "app.kubernetes.io/name=web,!k8s.io/x"],
    ["x=a,x!=b", "x=a,x!=b"],
  ])("parses %j as %j", (text, canonical) => {
    expect(parseLabelSelector(text).toString()).toBe(canonical);
  });

  it("exposes sorted requirements with sorted values", () => {
    expect(parseLabelSelector("y notin (b,a),x,!w,v>3").requirements).toEqual([
      { key: "v", operator: "gt", values: ["3"] },
      { key: "w", operator: "!", values: [] },
      { key: "x", operator: "exists", values: [] },
      { key: "y", operator: "notin", values: ["a", "b"] },
    ]);
  });

  it("is empty only without requirements", () => {
    expect(parseLabelSelector("").empty()).toBe(true);
    expect(parseLabelSelector(" ").empty()).toBe(true);
    expect(parseLabelSelector("a").empty()).toBe(false);
    expect(everything().empty()).toBe(true);
  });
});

describe("parseLabelSelector errors", () => {
  it.each([
    [",a", "found ',', expected: !, identifier, or 'end of string'"],
    ["a,", "found '', expected: identifier after ','"],
    ["a,,b", "found ',', expected: identifier after ','"],
    ["x=a||y=b", `unable to parse requirement: values[0][x]: Invalid value: "a||y": ${LABEL_VALUE}`],
    ["x==a==b", "found '==', expected: ',' or 'end of string'"],
    ["!x=a", "found '=', expected: ',' or 'end of string'"],
    ["a=b c", "found 'c', expected: ',' or 'end of string'"],
    ["a b", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"],
    ["!", "unable to parse requirement: found '', expected: identifier"],
    ["a in b", "unable to parse requirement: found 'b' expected: '('"],
    ["a in (b", "unable to parse requirement: found '', expected: ',' or ')'"],
    ["a in (b c)", "unable to parse requirement: found 'c', expected: ',' or ')'"],
    ["a in (=)", "unable to parse requirement: found '=', expected: ',', ')' or identifier"],
    ["a=(", "unable to parse requirement: found '(', expected: identifier"],
    [
      "x<a",
      `unable to parse requirement: values[0]: Invalid value: "a": for 'Gt', 'Lt' operators, the value must be an integer`,
    ],
    [
      "x>1.5",
      `unable to parse requirement: values[0]: Invalid value: "1.5": for 'Gt', 'Lt' operators, the value must be an integer`,
    ],
    ["-a=b", `unable to parse requirement: <nil>: Invalid value: "-a": ${NAME_PART}`],
    ["a=-b", `unable to parse requirement: values[0][a]: Invalid value: "-b": ${LABEL_VALUE}`],
    // Gt/Lt values are label values too, so a sign is rejected even though it parses as an integer.
    ["x<-1", `unable to parse requirement: values[0][x]: Invalid value: "-1": ${LABEL_VALUE}`],
  ])("rejects %j", (text, message) => {
    expect(parseError(text)).toBe(message);
  });

  it("reports every value error of a requirement, in brackets", () => {
    expect(parseError("a in (-x,-y)")).toBe(
      `unable to parse requirement: [values[0][a]: Invalid value: "-x": ${LABEL_VALUE}, ` +
        `values[1][a]: Invalid value: "-y": ${LABEL_VALUE}]`,
    );
  });
});

describe("LabelSelector.matches", () => {
  const labels = { app: "web", tier: "fe", n: "7" };
  it.each([
    ["", true],
    ["app=web", true],
    ["app==web", true],
    ["app=db", false],
    ["app!=db", true],
    ["missing!=x", true],
    ["app in (db,web)", true],
    ["app in (db)", false],
    ["missing in (x)", false],
    ["app notin (web)", false],
    ["missing notin (x)", true],
    ["app", true],
    ["missing", false],
    ["!app", false],
    ["!missing", true],
    ["n>6", true],
    ["n>7", false],
    ["n<8", true],
    ["app>1", false],
    ["missing<1", false],
    ["app=web,tier=be", false],
    ["app=web,tier in (fe)", true],
    ["missing=", false],
  ])("%j -> %s", (text, want) => {
    expect(parseLabelSelector(text).matches(labels)).toBe(want);
  });

  it("treats undefined labels as empty", () => {
    expect(parseLabelSelector("").matches(undefined)).toBe(true);
    expect(parseLabelSelector("!a").matches(undefined)).toBe(true);
    expect(parseLabelSelector("a!=b").matches(undefined)).toBe(true);
    expect(parseLabelSelector("a").matches(undefined)).toBe(false);
  });

  it("matches an empty value only when the label is present", () => {
    expect(parseLabelSelector("a=").matches({ a: "" })).toBe(true);
    expect(parseLabelSelector("a in ()").matches({ a: "" })).toBe(true);
  });

  it("compares 64-bit integers exactly", () => {
    expect(parseLabelSelector("n>9007199254740992").matches({ n: "9007199254740993" })).toBe(true);
    expect(parseLabelSelector("n<1").matches({ n: "9223372036854775808" })).toBe(false);
  });

  it("does not match inherited properties", () => {
    expect(parseLabelSelector("toString").matches({})).toBe(false);
  });
});

describe("requiresExactMatch", () => {
  it("returns the value pinned by =, == or a one-value in", () => {
    const s = parseLabelSelector("a=1,b==2,c in (3),d in (4,5),e!=6");
    expect(s.requiresExactMatch("a")).toBe("1");
    expect(s.requiresExactMatch("b")).toBe("2");
    expect(s.requiresExactMatch("c")).toBe("3");
    expect(s.requiresExactMatch("d")).toBeUndefined();
    expect(s.requiresExactMatch("e")).toBeUndefined();
    expect(s.requiresExactMatch("f")).toBeUndefined();
  });
});

describe("selectorFromLabelSelector", () => {
  it("matches nothing for a missing selector", () => {
    const s = selectorFromLabelSelector(undefined);
    expect(s.matches({})).toBe(false);
    expect(s.empty()).toBe(false);
    expect(s.toString()).toBe("");
    expect(selectorFromLabelSelector(null).matches({ a: "b" })).toBe(false);
  });

  it("matches everything for an empty selector", () => {
    expect(selectorFromLabelSelector({}).matches({ a: "b" })).toBe(true);
    expect(selectorFromLabelSelector({ matchLabels: {}, matchExpressions: [] }).empty()).toBe(true);
  });

  it("combines matchLabels and matchExpressions", () => {
    const s = selectorFromLabelSelector({
      matchLabels: { b: "2", a: "1" },
      matchExpressions: [
        { key: "c", operator: "In", values: ["y", "x"] },
        { key: "d", operator: "DoesNotExist" },
        { key: "e", operator: "Exists" },
        { key: "f", operator: "NotIn", values: ["z"] },
      ],
    });
    expect(s.toString()).toBe("a=1,b=2,c in (x,y),!d,e,f notin (z)");
    expect(s.matches({ a: "1", b: "2", c: "x", e: "" })).toBe(true);
    expect(s.matches({ a: "1", b: "2", c: "x", e: "", d: "" })).toBe(false);
    expect(s.matches({ a: "1", b: "2", c: "x" })).toBe(false);
  });

  it("rejects unknown operators", () => {
    expect(() =>
      selectorFromLabelSelector({ matchExpressions: [{ key: "a", operator: "Gt", values: ["1"] }] }),
    ).toThrow(new SelectorParseError(`"Gt" is not a valid label selector operator`));
  });

  it("rejects invalid requirements with Kubernetes' field errors", () => {
    expect(() => selectorFromLabelSelector({ matchExpressions: [{ key: "a", operator: "In" }] })).toThrow(
      "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty",
    );
    expect(() =>
      selectorFromLabelSelector({ matchExpressions: [{ key: "a", operator: "Exists", values: ["x"] }] }),
    ).toThrow(`values: Invalid value: ["x"]: values set must be empty for exists and does not exist`);
    expect(() => selectorFromLabelSelector({ matchLabels: { "a b": "c" } })).toThrow(
      `key: Invalid value: "a b": ${NAME_PART}`,
    );
  });
});
