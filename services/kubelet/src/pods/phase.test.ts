import { describe, expect, it } from "vitest";
import type { ContainerStatus, Pod } from "@ktl/api";
import { getPhase } from "./phase.js";

const pod = (restartPolicy: string, inits: string[] = []): Pod => ({
  metadata: { name: "p", namespace: "default", uid: "u" },
  spec: {
    restartPolicy,
    initContainers: inits.map((name) => ({ name, image: "busybox" })),
    containers: [
      { name: "a", image: "busybox" },
      { name: "b", image: "busybox" },
    ],
  },
});
const running = (name: string): ContainerStatus => ({
  name,
  state: { running: { startedAt: "2026-01-01T00:00:00Z" } },
});
const exited = (name: string, exitCode: number): ContainerStatus => ({
  name,
  state: { terminated: { exitCode } },
});
const waiting = (name: string, reason = "ContainerCreating"): ContainerStatus => ({
  name,
  state: { waiting: { reason } },
});
const crashLooping = (name: string, exitCode: number): ContainerStatus => ({
  name,
  state: { waiting: { reason: "CrashLoopBackOff" } },
  lastState: { terminated: { exitCode } },
});

describe("getPhase", () => {
  it("is Pending while a container has not started", () => {
    expect(getPhase(pod("Always"), [running("a"), waiting("b")], false)).toBe("Pending");
    expect(getPhase(pod("Always"), [running("a")], false)).toBe("Pending");
  });

  it("is Running once every container started and one runs", () => {
    expect(getPhase(pod("Always"), [running("a"), running("b")], false)).toBe("Running");
    expect(getPhase(pod("Always"), [running("a"), exited("b", 1)], false)).toBe("Running");
  });

  it("stays Running while crash-looping containers are restarted", () => {
    expect(getPhase(pod("Always"), [crashLooping("a", 1), crashLooping("b", 0)], false)).toBe("Running");
    expect(getPhase(pod("OnFailure"), [crashLooping("a", 1), exited("b", 0)], false)).toBe("Running");
  });

  it("ends Succeeded or Failed when the policy does not restart", () => {
    expect(getPhase(pod("Never"), [exited("a", 0), exited("b", 0)], false)).toBe("Succeeded");
    expect(getPhase(pod("OnFailure"), [exited("a", 0), exited("b", 0)], false)).toBe("Succeeded");
    expect(getPhase(pod("Never"), [exited("a", 0), exited("b", 2)], false)).toBe("Failed");
    expect(getPhase(pod("Always"), [exited("a", 0), exited("b", 0)], false)).toBe("Running");
  });

  it("is terminal for a pod being torn down whatever the policy", () => {
    expect(getPhase(pod("Always"), [exited("a", 0), exited("b", 0)], true)).toBe("Succeeded");
    expect(getPhase(pod("Always"), [exited("a", 143), exited("b", 0)], true)).toBe("Failed");
  });

  it("is Pending during initialization and Failed when an init container fails under Never", () => {
    const p = pod("Never", ["init"]);
    expect(
      getPhase(p, [running("init"), waiting("a", "PodInitializing"), waiting("b", "PodInitializing")], false),
    ).toBe("Pending");
    expect(
      getPhase(
        p,
        [exited("init", 1), waiting("a", "PodInitializing"), waiting("b", "PodInitializing")],
        false,
      ),
    ).toBe("Failed");
    const always = pod("Always", ["init"]);
    expect(
      getPhase(always, [crashLooping("init", 1), waiting("a", "PodInitializing"), waiting("b")], false),
    ).toBe("Pending");
    expect(getPhase(always, [exited("init", 0), running("a"), running("b")], false)).toBe("Running");
  });
});
