import { describe, expect, it } from "vitest";
import { Code } from "../../framework/interface.js";
import { makeNode, makeNodeInfo, makePod } from "../testing.js";
import { create, NAME } from "./index.js";

describe(NAME, () => {
  const plugin = create();
  const cordoned = makeNodeInfo(makeNode("n1", { unschedulable: true }));

  it("passes schedulable nodes", () => {
    expect(plugin.filter(new Map(), makePod("p"), makeNodeInfo(makeNode("n1"))).code).toBe(Code.Success);
  });

  it("rejects cordoned nodes as unresolvable", () => {
    expect(plugin.filter(new Map(), makePod("p"), cordoned)).toEqual({
      code: Code.UnschedulableAndUnresolvable,
      reasons: ["node(s) were unschedulable"],
    });
  });

  it("admits pods tolerating the unschedulable taint", () => {
    const exact = makePod("p", {
      tolerations: [{ key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoSchedule" }],
    });
    const everything = makePod("p", { tolerations: [{ operator: "Exists" }] });
    expect(plugin.filter(new Map(), exact, cordoned).code).toBe(Code.Success);
    expect(plugin.filter(new Map(), everything, cordoned).code).toBe(Code.Success);
  });

  it("does not accept a toleration for another effect", () => {
    const pod = makePod("p", {
      tolerations: [{ key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoExecute" }],
    });
    expect(plugin.filter(new Map(), pod, cordoned).code).toBe(Code.UnschedulableAndUnresolvable);
  });
});
