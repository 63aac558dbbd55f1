import { describe, expect, it } from "vitest";
import { relaxedSortField, sortObjects, sortTable } from "./sort-by.js";
import type { Table } from "./table.js";

const pod = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  ...extra,
  metadata: { name, ...((extra.metadata as object | undefined) ?? {}) },
});
const names = (items: readonly Record<string, unknown>[]): string[] =>
  items.map((i) => (i.metadata as { name: string }).name);

describe("relaxedSortField", () => {
  it.each([".metadata.name", "metadata.name", "{.metadata.name}", "{metadata.name}"])("reads %s", (f) =>
    expect(relaxedSortField(f)).toBe("{.metadata.name}"),
  );
  it("refuses what kubectl refuses", () => {
    expect(() => relaxedSortField("{.a}{.b}")).toThrow("unexpected path string, expected a 'name1.name2'");
  });
});

describe("sortObjects", () => {
  it("sorts strings bytewise, numbers numerically, quantities by value and timestamps by time", () => {
    // As kubectl 1.32: not in natural order (web-10 before web-9).
    const items = [pod("web-9"), pod("web-10"), pod("api"), pod("x-8nqp8"), pod("x-524rd")];
    expect(names(sortObjects(items, ".metadata.name"))).toEqual([
      "api",
      "web-10",
      "web-9",
      "x-524rd",
      "x-8nqp8",
    ]);

    const restarts = (n: number): Record<string, unknown> => ({
      status: { containerStatuses: [{ restartCount: n }] },
    });
    const counted = [pod("a", restarts(10)), pod("b", restarts(2)), pod("c", restarts(0))];
    expect(names(sortObjects(counted, ".status.containerStatuses[0].restartCount"))).toEqual(["c", "b", "a"]);

    const cpu = (q: string): Record<string, unknown> => ({ spec: { cpu: q } });
    const sized = [
      pod("one", cpu("1")),
      pod("half", cpu("500m")),
      pod("two", cpu("2")),
      pod("milli", cpu("100m")),
    ];
    expect(names(sortObjects(sized, "{.spec.cpu}"))).toEqual(["milli", "half", "one", "two"]);

    const born = (t: string): Record<string, unknown> => ({ metadata: { creationTimestamp: t } });
    const aged = [
      pod("new", born("2026-01-02T00:00:00Z")),
      pod("old", born("2025-12-31T23:59:59Z")),
      pod("mid", born("2026-01-01T10:00:00Z")),
    ];
    expect(names(sortObjects(aged, "{.metadata.creationTimestamp}"))).toEqual(["old", "mid", "new"]);
  });

  it("puts objects without the field first, in reverse order as kubectl does, and fails when none has it", () => {
    const items = [
      pod("b", { spec: { nodeName: "n2" } }),
      pod("x"),
      pod("a", { spec: { nodeName: "n1" } }),
      pod("y"),
    ];
    expect(names(sortObjects(items, ".spec.nodeName"))).toEqual(["y", "x", "a", "b"]);
    expect(() => sortObjects([pod("a")], ".spec.nope")).toThrow(
      'couldn\'t find any field with path "{.spec.nope}" in the list of objects',
    );
    expect(sortObjects([], ".spec.nope")).toEqual([]);
  });
});

describe("sortTable", () => {
  it("orders a server Table's rows by their objects", () => {
    const row = (name: string, replicas: number): Table["rows"] extends (infer R)[] | null ? R : never => ({
      cells: [name, replicas],
      object: { metadata: { name }, spec: { replicas } } as never,
    });
    const table: Table = {
      columnDefinitions: [{ name: "Name" }, { name: "Replicas" }],
      rows: [row("a", 3), row("b", 1), row("c", 2)],
    };
    expect(sortTable(table, ".spec.replicas").rows?.map((r) => r.cells[0])).toEqual(["b", "c", "a"]);
    expect(sortTable({ ...table, rows: [row("a", 3)] }, ".spec.nope").rows).toHaveLength(1);
  });
});
