import { describe, it, expect } from "vitest";
import { fieldErrorMessage } from "@ktl/apimachinery";
import type { Node, NodeSpec } from "../gen/types.js";
import { validateCreate, validateUpdate } from "./index.js";

const node = (spec: NodeSpec = {}, status: Node["status"] = {}): Node => ({
  metadata: { name: "node-1" },
  spec,
  status,
});
const messages = (n: unknown): string[] => validateCreate("Node", n).map(fieldErrorMessage);

describe("Node", () => {
  it("accepts a plain node", () => {
    expect(
      messages(node({ podCIDR: "10.244.1.0/24" }, { capacity: { cpu: "4", memory: "8Gi", pods: "110" } })),
    ).toEqual([]);
  });

  it("checks taints, under Kubernetes' metadata.taints path", () => {
    expect(messages(node({ taints: [{ key: "dedicated", value: "gpu", effect: "NoSchedule" }] }))).toEqual(
      [],
    );
    expect(messages(node({ taints: [{ key: "dedicated", effect: "" }] }))).toEqual([
      "metadata.taints[0].effect: Required value",
    ]);
    expect(messages(node({ taints: [{ key: "dedicated", effect: "Evict" }] }))).toEqual([
      'metadata.taints[0].effect: Unsupported value: "Evict": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
    ]);
    expect(messages(node({ taints: [{ key: "", effect: "NoSchedule" }] }))).toEqual([
      'metadata.taints[0].key: Invalid value: "": name part must be non-empty',
      `metadata.taints[0].key: Invalid value: "": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
    ]);
    const twice = node({
      taints: [
        { key: "a", effect: "NoSchedule" },
        { key: "a", value: "x", effect: "NoSchedule" },
      ],
    });
    expect(messages(twice)).toEqual([
      'metadata.taints[1]: Duplicate value: {"key":"a","value":"x","effect":"NoSchedule"}: taints must be unique by key and effect pair',
    ]);
  });

  it("checks pod CIDRs and capacity quantities", () => {
    expect(messages(node({ podCIDR: "10.244.1.0" }))).toEqual([
      'spec.podCIDRs[0]: Invalid value: "10.244.1.0": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
    ]);
    expect(messages(node({}, { capacity: { cpu: "four" } }))[0]).toMatch(
      /^status\.capacity\.cpu: Invalid value: "four": quantities must match/,
    );
  });

  it("keeps podCIDR once set", () => {
    const old = node({ podCIDR: "10.244.1.0/24" });
    expect(validateUpdate("Node", node({ podCIDR: "10.244.1.0/24", unschedulable: true }), old)).toEqual([]);
    expect(validateUpdate("Node", node({ podCIDR: "10.244.1.0/24" }), node())).toEqual([]);
    expect(validateUpdate("Node", node({ podCIDR: "10.244.2.0/24" }), old).map(fieldErrorMessage)).toEqual([
      'spec.podCIDRs: Forbidden: node updates may not change podCIDR except from "" to valid',
    ]);
  });
});
