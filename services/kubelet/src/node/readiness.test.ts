import { describe, expect, it } from "vitest";
import type { StatusResponse } from "@ktl/cri";
import { nodeReadiness } from "./readiness.js";

const runtime = (answer: StatusResponse | Error) => ({
  status: () => (answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer)),
});
const conditions = (runtimeReady: boolean, networkReady: boolean): StatusResponse => ({
  status: {
    conditions: [
      { type: "RuntimeReady", status: runtimeReady, reason: runtimeReady ? "" : "Down", message: "" },
      {
        type: "NetworkReady",
        status: networkReady,
        reason: "NetworkPluginNotReady",
        message: "cni plugin not initialized",
      },
    ],
  },
});

describe("nodeReadiness", () => {
  it("waits for the podCIDR first", async () => {
    expect(
      await nodeReadiness({ runtime: runtime(conditions(true, true)), networkConfigured: () => false }),
    ).toEqual({
      ready: false,
      reason: "NetworkPluginNotReady",
      message: "network not ready: waiting for podCIDR",
    });
  });

  it("is ready when the runtime and its network are", async () => {
    const r = await nodeReadiness({
      runtime: runtime(conditions(true, true)),
      networkConfigured: () => true,
    });
    expect(r).toEqual({ ready: true, reason: "KubeletReady", message: "kubelet is posting ready status" });
  });

  it("relays the runtime's NetworkReady=false and RuntimeReady=false, and a runtime that does not answer", async () => {
    const net = await nodeReadiness({
      runtime: runtime(conditions(true, false)),
      networkConfigured: () => true,
    });
    expect(net).toEqual({
      ready: false,
      reason: "NetworkPluginNotReady",
      message:
        "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:cni plugin not initialized",
    });
    const rt = await nodeReadiness({
      runtime: runtime(conditions(false, true)),
      networkConfigured: () => true,
    });
    expect(rt).toMatchObject({ ready: false, reason: "KubeletNotReady" });
    const down = await nodeReadiness({
      runtime: runtime(new Error("connect ENOENT")),
      networkConfigured: () => true,
    });
    expect(down).toEqual({
      ready: false,
      reason: "KubeletNotReady",
      message: "container runtime is down: connect ENOENT",
    });
  });
});
