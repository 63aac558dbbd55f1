import { describe, expect, it } from "vitest";
import { toJson } from "./json.js";
import { toYaml } from "./yaml.js";

describe("yaml and json printers", () => {
  it("writes YAML as kubectl does: sorted keys, unindented lists, Go's quoting", () => {
    const text = toYaml({
      metadata: {
        name: "web",
        creationTimestamp: "2026-11-24T11:16:48Z",
        annotations: { b: "8080", a: "a: b", c: "" },
      },
      apiVersion: "v1",
      spec: { containers: [{ name: "c", command: ["httpd", "-f"] }], flag: "true" },
      kind: "Pod",
    });
    expect(text).toBe(
      [
        "apiVersion: v1",
        "kind: Pod",
        "metadata:",
        "  annotations:",
        "    a: 'a: b'",
        '    b: "8080"',
        '    c: ""',
        '  creationTimestamp: "2026-11-24T11:16:48Z"',
        "  name: web",
        "spec:",
        "  containers:",
        "  - command:",
        "    - httpd",
        "    - -f",
        "    name: c",
        '  flag: "true"',
        "",
      ].join("\n"),
    );
  });

  it("writes JSON with four spaces, sorted keys and Go's HTML escapes", () => {
    expect(toJson({ b: 1, a: "<none>" })).toBe('{\n    "a": "\\u003cnone\\u003e",\n    "b": 1\n}\n');
  });
});
