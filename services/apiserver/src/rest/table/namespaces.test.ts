import { describe, expect, it } from "vitest";
import { namespacePrinter } from "./namespaces.js";

const NOW = new Date("2024-05-01T12:00:00Z");

describe("namespace printer", () => {
  it("prints name, phase and age", () => {
    expect(namespacePrinter.columns.map((c) => c.name)).toEqual(["Name", "Status", "Age"]);
    const ns = {
      metadata: { name: "prod", creationTimestamp: "2024-03-01T12:00:00Z" },
      status: { phase: "Terminating" },
    };
    expect(namespacePrinter.print(ns, NOW).cells).toEqual(["prod", "Terminating", "61d"]);
  });

  it("prints Active for an unset phase", () => {
    expect(namespacePrinter.print({ metadata: { name: "default" } }, NOW).cells).toEqual([
      "default",
      "Active",
      "<unknown>",
    ]);
  });
});
