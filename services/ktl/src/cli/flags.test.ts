import { describe, expect, it } from "vitest";
import { leadingWords, parseArgs, type FlagSpec } from "./flags.js";

const SPECS: FlagSpec[] = [
  { name: "namespace", short: "n", type: "string", help: "" },
  { name: "output", short: "o", type: "string", help: "" },
  { name: "watch", short: "w", type: "bool", help: "" },
  { name: "all-namespaces", short: "A", type: "bool", help: "" },
  { name: "replicas", type: "int", default: -1, help: "" },
  { name: "filename", short: "f", type: "strings", help: "" },
  { name: "wait", type: "bool", default: true, help: "" },
];

describe("parseArgs", () => {
  it("reads kubectl's flag forms anywhere among the arguments", () => {
    const { positionals, flags } = parseArgs(
      ["pods", "-n", "demo", "web", "--output=yaml", "-w", "--replicas", "3"],
      SPECS,
    );
    expect(positionals).toEqual(["pods", "web"]);
    expect(flags.string("namespace")).toBe("demo");
    expect(flags.string("output")).toBe("yaml");
    expect(flags.bool("watch")).toBe(true);
    expect(flags.int("replicas")).toBe(3);
  });

  it("takes a shorthand's value glued on or after =, and bundles booleans", () => {
    const { flags } = parseArgs(["-oyaml", "-n=kube-system", "-wA"], SPECS);
    expect(flags.string("output")).toBe("yaml");
    expect(flags.string("namespace")).toBe("kube-system");
    expect(flags.bool("watch")).toBe(true);
    expect(flags.bool("all-namespaces")).toBe(true);
  });

  it("keeps defaults, --flag=false, repeatable comma lists and -- ", () => {
    const { positionals, flags } = parseArgs(
      ["-f", "a.yaml,b.yaml", "-f", "-", "--wait=false", "--", "-x"],
      SPECS,
    );
    expect(flags.strings("filename")).toEqual(["a.yaml", "b.yaml", "-"]);
    expect(flags.bool("wait")).toBe(false);
    expect(flags.int("replicas")).toBe(-1);
    expect(flags.has("replicas")).toBe(false);
    expect(positionals).toEqual(["-x"]);
    expect(flags.argsLenAtDash).toBe(0);
    expect(parseArgs(["web", "--", "ls"], SPECS).flags.argsLenAtDash).toBe(1);
    expect(parseArgs(["web", "ls"], SPECS).flags.argsLenAtDash).toBe(-1);
  });

  it("fails with pflag's messages", () => {
    expect(() => parseArgs(["--bogus"], SPECS)).toThrow("unknown flag: --bogus");
    expect(() => parseArgs(["-z"], SPECS)).toThrow("unknown shorthand flag: 'z' in -z");
    expect(() => parseArgs(["-n"], SPECS)).toThrow("flag needs an argument: 'n' in -n");
    expect(() => parseArgs(["--replicas=x"], SPECS)).toThrow(
      'invalid argument "x" for "--replicas" flag: strconv.ParseInt: parsing "x": invalid syntax',
    );
  });
});

describe("leadingWords", () => {
  it("skips global flags and their values to find the command words", () => {
    expect(leadingWords(["-n", "demo", "rollout", "--watch", "status", "deploy/web"], SPECS, 2)).toEqual([
      { word: "rollout", at: 2 },
      { word: "status", at: 4 },
    ]);
  });
});
