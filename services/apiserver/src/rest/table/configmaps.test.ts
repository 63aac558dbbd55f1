import { describe, expect, it } from "vitest";
import { configMapPrinter } from "./configmaps.js";

const NOW = new Date("2024-05-01T12:00:00Z");

describe("configmap printer", () => {
  it("counts data and binaryData keys", () => {
    expect(configMapPrinter.columns.map((c) => c.name)).toEqual(["Name", "Data", "Age"]);
    const cm = {
      metadata: { name: "settings", creationTimestamp: "2024-05-01T11:59:55Z" },
      data: { a: "1", b: "2" },
      binaryData: { c: "AA==" },
    };
    expect(configMapPrinter.print(cm, NOW).cells).toEqual(["settings", 3, "5s"]);
  });

  it("prints 0 for an empty configmap", () => {
    expect(configMapPrinter.print({ metadata: { name: "empty" } }, NOW).cells[1]).toBe(0);
  });
});
