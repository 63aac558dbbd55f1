import { RESOURCES } from "@ktl/api";
import { describe, expect, it } from "vitest";
import { printerFor, toTable } from "./index.js";

const NOW = new Date("2024-05-01T12:00:00Z");
const pod = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: {
    name: "web-1",
    namespace: "default",
    labels: { app: "web" },
    resourceVersion: "7",
    creationTimestamp: "2024-05-01T11:00:00Z",
  },
  spec: { containers: [{ name: "app", image: "nginx" }] },
  status: { phase: "Running" },
};

describe("toTable", () => {
  it("builds a meta.k8s.io/v1 Table with Kubernetes' pod columns", () => {
    const table = toTable("Pod", [pod], {
      includeObject: "None",
      listMeta: { resourceVersion: "42", continue: "abc" },
      now: NOW,
    });
    expect(table.kind).toBe("Table");
    expect(table.apiVersion).toBe("meta.k8s.io/v1");
    expect(table.metadata).toEqual({ resourceVersion: "42", continue: "abc" });
    expect(table.columnDefinitions.map((c) => c.name)).toContain("Nominated Node");
    expect(table.rows).toEqual([
      {
        cells: ["web-1", "0/1", "Running", "0", "60m", "<none>", "<none>", "<none>", "<none>"],
        object: null,
      },
    ]);
  });

  it("sends only the set list metadata", () => {
    expect(toTable("Pod", [], { includeObject: "None" }).metadata).toEqual({});
    expect(
      toTable("Pod", [], { includeObject: "None", listMeta: { resourceVersion: "", continue: "" } }).metadata,
    ).toEqual({});
    expect(
      toTable("Pod", [], { includeObject: "None", listMeta: { remainingItemCount: 0 } }).metadata,
    ).toEqual({
      remainingItemCount: 0,
    });
  });

  it("includes a PartialObjectMetadata for includeObject=Metadata", () => {
    const [row] = toTable("Pod", [pod], { includeObject: "Metadata", now: NOW }).rows;
    expect(row?.object).toEqual({
      kind: "PartialObjectMetadata",
      apiVersion: "meta.k8s.io/v1",
      metadata: pod.metadata,
    });
  });

  it("includes the whole object for includeObject=Object", () => {
    const [row] = toTable("Pod", [pod], { includeObject: "Object", now: NOW }).rows;
    expect(row?.object).toBe(pod);
  });

  it("carries row conditions and leaves the headers out for noHeaders", () => {
    const done = { ...pod, status: { phase: "Succeeded" } };
    const table = toTable("Pod", [done], { includeObject: "None", now: NOW, noHeaders: true });
    expect(table.columnDefinitions).toEqual([]);
    expect(table.rows[0]?.conditions?.[0]).toMatchObject({ type: "Completed", reason: "Succeeded" });
  });

  it("uses the apiserver's default table (Name, Created At) for kinds without a printer", () => {
    const table = toTable(
      "Widget",
      [{ metadata: { name: "w", creationTimestamp: "2024-04-01T10:00:00.123Z" } }, {}],
      {
        includeObject: "None",
        now: NOW,
      },
    );
    expect(table.columnDefinitions.map((c) => [c.name, c.type, c.format])).toEqual([
      ["Name", "string", "name"],
      ["Created At", "date", ""],
    ]);
    expect(table.rows.map((r) => r.cells)).toEqual([
      ["w", "2024-04-01T10:00:00Z"],
      ["", "0001-01-01T00:00:00Z"],
    ]);
  });

  it("prints the autoscaling/v1 Scale subresource", () => {
    const scale = {
      metadata: { name: "web", creationTimestamp: "2024-05-01T11:58:00Z" },
      spec: { replicas: 3 },
      status: { replicas: 2 },
    };
    const table = toTable("Scale", [scale], { includeObject: "None", now: NOW });
    expect(table.columnDefinitions.map((c) => [c.name, c.type, c.format])).toEqual([
      ["Name", "string", ""],
      ["Desired", "integer", ""],
      ["Available", "integer", ""],
      ["Age", "string", ""],
    ]);
    expect(table.rows[0]?.cells).toEqual(["web", 3, 2, "2m"]);
  });

  it("has a dedicated printer for every served kind, each row as wide as its columns", () => {
    for (const info of RESOURCES) {
      const printer = printerFor(info.kind);
      expect(printer, info.kind).not.toBe(printerFor("NoSuchKind"));
      expect(printer.print({ metadata: { name: "x" } }, NOW).cells, info.kind).toHaveLength(
        printer.columns.length,
      );
      expect(
        printer.columns.filter((c) => c.format === "name"),
        info.kind,
      ).toHaveLength(1);
    }
  });
});
