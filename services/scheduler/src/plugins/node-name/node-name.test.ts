import { describe, expect, it } from "vitest";
import { Code } from "../../framework/interface.js";
import { makeNode, makeNodeInfo, makePod } from "../testing.js";
import { create, NAME } from "./index.js";

describe(NAME, () => {
  const plugin = create();
  const node = makeNodeInfo(makeNode("n1"));

  it("passes pods without a node name and pods naming this node", () => {
    expect(plugin.filter(new Map(), makePod("p"), node).code).toBe(Code.Success);
    expect(plugin.filter(new Map(), makePod("p", { nodeName: "n1" }), node).code).toBe(Code.Success);
  });

  it("rejects other nodes as unresolvable", () => {
    expect(plugin.filter(new Map(), makePod("p", { nodeName: "n2" }), node)).toEqual({
      code: Code.UnschedulableAndUnresolvable,
      reasons: ["node(s) didn't match the requested node name"],
    });
  });
});
