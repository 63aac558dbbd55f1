import { describe, expect, it } from "vitest";
import { JsonPath } from "./jsonpath.js";
import { parseCustomColumns, printCustomColumns } from "./custom-columns.js";

const LIST = {
  kind: "List",
  items: [
    {
      metadata: { name: "a", labels: { "app.kubernetes.io/name": "x" } },
      spec: { replicas: 2 },
      status: {
        conditions: [
          { type: "Ready", status: "True" },
          { type: "Available", status: "False" },
        ],
      },
    },
    { metadata: { name: "b" }, spec: { replicas: 0 } },
  ],
};

const run = (t: string, data: unknown = LIST): string => new JsonPath(t).execute(data);

describe("jsonpath", () => {
  it("walks fields, wildcards, indexes and slices", () => {
    expect(run("{.items[*].metadata.name}")).toBe("a b");
    expect(run("{.items[0].spec.replicas}")).toBe("2");
    expect(run("{.items[-1].metadata.name}")).toBe("b");
    expect(run("{.items[0:1].metadata.name}")).toBe("a");
    expect(run("{..name}")).toBe("a b");
  });

  it("ranges, prints literals and filters", () => {
    expect(run('{range .items[*]}{.metadata.name}={.spec.replicas}{"\\n"}{end}')).toBe("a=2\nb=0\n");
    expect(run('{.items[0].status.conditions[?(@.type=="Ready")].status}')).toBe("True");
    expect(run("{.items[?(@.spec.replicas>1)].metadata.name}")).toBe("a");
  });

  it("escapes dots in keys, prints maps as JSON and missing keys as nothing", () => {
    expect(run("{.items[0].metadata.labels.app\\.kubernetes\\.io/name}")).toBe("x");
    expect(run("{.items[1].metadata}")).toBe('{"name":"b"}');
    expect(run("name={.items[1].status.phase}")).toBe("name=");
  });

  it("prints custom columns with <none> for missing values", () => {
    const columns = parseCustomColumns(
      "NAME:.metadata.name,REPLICAS:spec.replicas,READY:.status.conditions[0].status",
    );
    expect(printCustomColumns(columns, LIST.items, false)).toBe(
      "NAME   REPLICAS   READY\na      2          True\nb      0          <none>\n",
    );
  });

  it("rejects an unclosed template", () => {
    expect(() => new JsonPath("{.items")).toThrow("unclosed action");
  });
});
