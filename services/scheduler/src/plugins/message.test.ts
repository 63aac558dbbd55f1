import { describe, expect, it } from "vitest";
import { SUCCESS, unresolvable, unschedulable } from "../framework/interface.js";
import { failureMessage } from "./message.js";

describe("failureMessage", () => {
  it("counts reasons over nodes and sorts the '<count> <reason>' strings as Go's sort.Strings", () => {
    const statuses = new Map([
      ["n1", unschedulable("Insufficient memory")],
      ["n2", unschedulable("Insufficient memory")],
      ["n3", unresolvable("node(s) had untolerated taint {dedicated: gpu}")],
    ]);
    expect(failureMessage(3, statuses)).toBe(
      "0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 2 Insufficient memory.",
    );
  });

  it("counts each reason of a multi-reason status", () => {
    const statuses = new Map([
      ["n1", unschedulable("Insufficient cpu", "Insufficient memory")],
      ["n2", unschedulable("Insufficient cpu")],
    ]);
    expect(failureMessage(2, statuses)).toBe(
      "0/2 nodes are available: 1 Insufficient memory, 2 Insufficient cpu.",
    );
  });

  it("orders by string, so 10 sorts before 2", () => {
    const statuses = new Map<string, ReturnType<typeof unschedulable>>();
    for (let i = 0; i < 10; i++) statuses.set(`a${i}`, unresolvable("node(s) were unschedulable"));
    for (let i = 0; i < 2; i++) statuses.set(`b${i}`, unschedulable("Insufficient cpu"));
    expect(failureMessage(12, statuses)).toBe(
      "0/12 nodes are available: 10 node(s) were unschedulable, 2 Insufficient cpu.",
    );
  });

  it("prints no histogram without reasons", () => {
    expect(failureMessage(0, new Map())).toBe("0/0 nodes are available:");
    expect(failureMessage(1, new Map([["n", SUCCESS]]))).toBe("0/1 nodes are available:");
  });
});
