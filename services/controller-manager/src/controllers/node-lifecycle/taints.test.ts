import { describe, expect, it } from "vitest";
import type { Node, Pod, Taint } from "@ktl/api";
import {
  notReadyConditions,
  tolerationMs,
  unknownConditions,
  UNREACHABLE_TAINT_KEY,
  withoutUnreachableTaint,
  withUnreachableTaint,
} from "./taints.js";

const NOW = "2025-01-01T00:00:10.000Z";

function node(taints: Taint[] = []): Node {
  return {
    metadata: { name: "n" },
    spec: { taints },
    status: {
      conditions: [
        { type: "Ready", status: "True", reason: "KubeletReady", lastHeartbeatTime: "2025-01-01T00:00:00Z" },
        { type: "MemoryPressure", status: "False" },
        { type: "NetworkUnavailable", status: "False" },
      ],
    },
  };
}

const pod = (tolerations: NonNullable<Pod["spec"]>["tolerations"]): Pod => ({
  metadata: { name: "p" },
  spec: { containers: [], tolerations },
});

describe("unreachable taint", () => {
  it("is added once, with timeAdded, keeping the other taints", () => {
    const n = node([{ key: "dedicated", value: "x", effect: "NoSchedule" }]);
    const taints = withUnreachableTaint(n, NOW);
    expect(taints).toEqual([
      { key: "dedicated", value: "x", effect: "NoSchedule" },
      { key: UNREACHABLE_TAINT_KEY, effect: "NoExecute", timeAdded: NOW },
    ]);
    expect(withUnreachableTaint({ ...n, spec: { taints } }, NOW)).toBeUndefined();
    expect(withoutUnreachableTaint({ ...n, spec: { taints } })).toEqual([
      { key: "dedicated", value: "x", effect: "NoSchedule" },
    ]);
    expect(withoutUnreachableTaint(n)).toBeUndefined();
  });
});

describe("unknownConditions", () => {
  it("sets the kubelet's conditions Unknown, keeps the heartbeat time, leaves NetworkUnavailable", () => {
    const conditions = unknownConditions(node(), NOW);
    expect(conditions?.[0]).toEqual({
      type: "Ready",
      status: "Unknown",
      reason: "NodeStatusUnknown",
      message: "Kubelet stopped posting node status.",
      lastHeartbeatTime: "2025-01-01T00:00:00Z",
      lastTransitionTime: NOW,
    });
    expect(conditions?.[1]?.status).toBe("Unknown");
    expect(conditions?.[2]?.status).toBe("False");
    const n = node();
    n.status = { conditions };
    expect(unknownConditions(n, NOW)).toBeUndefined();
  });
});

describe("tolerationMs", () => {
  it("uses the default when the pod does not tolerate the taint", () => {
    expect(tolerationMs(pod(undefined), 300)).toBe(300_000);
    expect(tolerationMs(pod([{ key: "other", operator: "Exists", tolerationSeconds: 1 }]), 3)).toBe(3_000);
    expect(tolerationMs(pod([{ key: UNREACHABLE_TAINT_KEY, effect: "NoSchedule" }]), 3)).toBe(3_000);
  });

  it("takes the least tolerationSeconds of the matching tolerations; none at all is forever", () => {
    expect(
      tolerationMs(
        pod([
          { key: UNREACHABLE_TAINT_KEY, operator: "Exists", effect: "NoExecute", tolerationSeconds: 60 },
          { operator: "Exists", tolerationSeconds: 20 },
        ]),
        300,
      ),
    ).toBe(20_000);
    expect(tolerationMs(pod([{ key: UNREACHABLE_TAINT_KEY, operator: "Exists" }]), 300)).toBe(Infinity);
    expect(tolerationMs(pod([{ operator: "Exists" }]), 300)).toBe(Infinity);
    expect(tolerationMs(pod([{ key: UNREACHABLE_TAINT_KEY, tolerationSeconds: 0 }]), 300)).toBe(0);
  });
});

describe("notReadyConditions", () => {
  it("turns Ready=True into False once", () => {
    const p: Pod = { metadata: { name: "p" }, status: { conditions: [{ type: "Ready", status: "True" }] } };
    const conditions = notReadyConditions(p, NOW);
    expect(conditions).toEqual([
      {
        type: "Ready",
        status: "False",
        reason: "NodeNotReady",
        message: "Node is not ready",
        lastTransitionTime: NOW,
      },
    ]);
    expect(notReadyConditions({ ...p, status: { conditions } }, NOW)).toBeUndefined();
  });
});
