import { describe, expect, it } from "vitest";
import { leasePrinter } from "./leases.js";

const NOW = new Date("2024-05-01T12:00:00Z");

describe("lease printer", () => {
  it("shows the holder", () => {
    expect(leasePrinter.columns.map((c) => c.name)).toEqual(["Name", "Holder", "Age"]);
    const lease = {
      metadata: { name: "kube-scheduler", creationTimestamp: "2024-05-01T11:00:00Z" },
      spec: { holderIdentity: "host-a_0f4c", leaseDurationSeconds: 15 },
    };
    expect(leasePrinter.print(lease, NOW).cells).toEqual(["kube-scheduler", "host-a_0f4c", "60m"]);
  });

  it("prints an empty holder for a released lease", () => {
    expect(leasePrinter.print({ metadata: { name: "l" }, spec: { holderIdentity: "" } }, NOW).cells[1]).toBe(
      "",
    );
  });
});
