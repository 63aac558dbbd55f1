import { describe, expect, it } from "vitest";
import type { Container, Pod, Probe } from "@ktl/api";
import { FakeClock } from "./fake-clock.js";
import { ProbeManager } from "./manager.js";
import type { ProbeOutcome } from "./outcome.js";
import type { ProbeTarget } from "./run-probe.js";
import { TimerQueue } from "./timer-queue.js";

/** A scripted prober: each container's probe answers what `answers` says at the time of the run. */
function setup(container: Container, options: { random?: () => number } = {}) {
  const events: string[] = [];
  const clock = new FakeClock(1_000_000);
  const timers = new TimerQueue(clock);
  const answers = new Map<string, ProbeOutcome["result"]>();
  const runs: { kind: string; at: number; podIp: string | undefined }[] = [];
  const kindOf = (probe: Probe): string =>
    probe === container.startupProbe
      ? "startup"
      : probe === container.livenessProbe
        ? "liveness"
        : "readiness";
  const manager = new ProbeManager({
    runtime: { execSync: () => Promise.reject(new Error("unused")) },
    timers,
    random: options.random,
    recorder: {
      event: (object, type, reason, message) =>
        events.push(`${type} ${reason} ${"fieldPath" in object ? object.fieldPath : ""}: ${message}`),
    },
    runner: (probe: Probe, target: ProbeTarget) => {
      const kind = kindOf(probe);
      runs.push({ kind, at: clock.now(), podIp: target.podIp });
      return Promise.resolve({ result: answers.get(kind) ?? "success", output: `${kind} said so` });
    },
  });
  const changes: string[] = [];
  manager.onChange((uid) => changes.push(uid));
  const pod: Pod = {
    metadata: { name: "p", namespace: "default", uid: "uid-1" },
    spec: { containers: [container] },
  };
  return { clock, manager, answers, runs, changes, pod, events };
}

const http: Pick<Probe, "httpGet"> = { httpGet: { port: 8080, path: "/" } };

describe("ProbeManager", () => {
  it("answers no-probe containers as ready, started and healthy", () => {
    const { manager, pod, clock } = setup({ name: "web", image: "busybox" });
    manager.updatePod(pod, [{ name: "web", id: "c1", startedAt: clock.now() }], "10.0.0.1");
    expect(manager.isReady("c1")).toBe(true);
    expect(manager.isStarted("c1")).toBe(true);
    expect(manager.unhealthy("c1")).toBeUndefined();
    expect(manager.workerCount()).toBe(0);
    expect(manager.isReady("unknown")).toBe(true);
  });

  it("readiness: not ready until the first success after initialDelaySeconds, then every periodSeconds", async () => {
    const { manager, pod, clock, runs, changes } = setup({
      name: "web",
      readinessProbe: { ...http, initialDelaySeconds: 5, periodSeconds: 2 },
    });
    const t0 = clock.now();
    manager.updatePod(pod, [{ name: "web", id: "c1", startedAt: t0 }], "10.0.0.1");
    expect(manager.isReady("c1")).toBe(false);
    await clock.advance(4999);
    expect(runs).toHaveLength(0);
    expect(manager.isReady("c1")).toBe(false);
    await clock.advance(1);
    expect(runs).toEqual([{ kind: "readiness", at: t0 + 5000, podIp: "10.0.0.1" }]);
    expect(manager.isReady("c1")).toBe(true);
    expect(changes).toEqual(["uid-1"]);
    await clock.advance(6000);
    expect(runs.map((r) => r.at - t0)).toEqual([5000, 7000, 9000, 11000]);
    expect(changes).toEqual(["uid-1"]); // unchanged verdicts are not announced
  });

  it("readiness flips to false after failureThreshold failures and back after successThreshold successes", async () => {
    const { manager, pod, clock, answers } = setup({
      name: "web",
      readinessProbe: { ...http, periodSeconds: 1, failureThreshold: 3, successThreshold: 2 },
    });
    manager.updatePod(pod, [{ name: "web", id: "c1", startedAt: clock.now() }], "10.0.0.1");
    await clock.advance(0);
    await clock.advance(1000);
    expect(manager.isReady("c1")).toBe(true); // two successes
    answers.set("readiness", "failure");
    await clock.advance(2000);
    expect(manager.isReady("c1")).toBe(true); // two failures: below the threshold
    await clock.advance(1000);
    expect(manager.isReady("c1")).toBe(false);
    answers.set("readiness", "success");
    await clock.advance(1000);
    expect(manager.isReady("c1")).toBe(false);
    await clock.advance(1000);
    expect(manager.isReady("c1")).toBe(true);
  });

  it("liveness: failureThreshold failures make the container unhealthy, and the worker holds", async () => {
    const { manager, pod, clock, answers, runs } = setup({
      name: "web",
      livenessProbe: { exec: { command: ["true"] }, periodSeconds: 10, successThreshold: 5 },
    });
    answers.set("liveness", "failure");
    manager.updatePod(pod, [{ name: "web", id: "c1", startedAt: clock.now() }], undefined);
    expect(manager.unhealthy("c1")).toBeUndefined();
    await clock.advance(0);
    await clock.advance(10_000);
    expect(manager.unhealthy("c1")).toBeUndefined();
    await clock.advance(10_000);
    expect(manager.unhealthy("c1")).toBe("Container web failed liveness probe, will be restarted");
    expect(manager.lastOutput("c1", "liveness")).toBe("liveness said so");
    await clock.advance(60_000);
    expect(runs).toHaveLength(3); // on hold until a new instance
    // The restarted instance gets a fresh worker (and successThreshold is forced to 1).
    answers.set("liveness", "success");
    manager.updatePod(pod, [{ name: "web", id: "c2", startedAt: clock.now() }], undefined);
    expect(manager.unhealthy("c1")).toBeUndefined();
    expect(manager.unhealthy("c2")).toBeUndefined();
    await clock.advance(0);
    expect(runs).toHaveLength(4);
    expect(manager.workerCount()).toBe(1);
  });

  it("records every failed run as an Unhealthy event on the container", async () => {
    const { manager, pod, clock, answers, events } = setup({
      name: "web",
      livenessProbe: { ...http, periodSeconds: 1, failureThreshold: 3 },
      readinessProbe: { ...http, periodSeconds: 1 },
    });
    manager.updatePod(pod, [{ name: "web", id: "c1", startedAt: clock.now() }], "10.0.0.1");
    await clock.advance(0);
    expect(events).toEqual([]);
    answers.set("liveness", "failure");
    answers.set("readiness", "failure");
    await clock.advance(1000);
    expect(events).toEqual([
      "Warning Unhealthy spec.containers{web}: Liveness probe failed: liveness said so",
      "Warning Unhealthy spec.containers{web}: Readiness probe failed: readiness said so",
    ]);
  });

  it("startup gates liveness and readiness; they run at once when it passes; then it stops", async () => {
    const { manager, pod, clock, answers, runs } = setup({
      name: "web",
      startupProbe: { ...http, periodSeconds: 3, failureThreshold: 10 },
      livenessProbe: { ...http, periodSeconds: 10 },
      readinessProbe: { ...http, periodSeconds: 10 },
    });
    const t0 = clock.now();
    answers.set("startup", "failure");
    manager.updatePod(pod, [{ name: "web", id: "c1", startedAt: t0 }], "10.0.0.1");
    await clock.advance(7000);
    expect(runs.map((r) => r.kind)).toEqual(["startup", "startup", "startup"]);
    expect(manager.isStarted("c1")).toBe(false);
    expect(manager.isReady("c1")).toBe(false);
    answers.set("startup", "success");
    await clock.advance(2000); // t0+9000: startup passes
    expect(manager.isStarted("c1")).toBe(true);
    await clock.advance(0);
    expect(
      runs
        .slice(4)
        .map((r) => r.kind)
        .sort(),
    ).toEqual(["liveness", "readiness"]);
    expect(runs.slice(4).every((r) => r.at === t0 + 9000)).toBe(true);
    expect(manager.isReady("c1")).toBe(true);
    await clock.advance(30_000);
    expect(runs.filter((r) => r.kind === "startup")).toHaveLength(4);
  });

  it("startup failing failureThreshold times asks for a restart", async () => {
    const { manager, pod, clock, answers } = setup({
      name: "slow",
      startupProbe: { ...http, periodSeconds: 1, failureThreshold: 2 },
    });
    answers.set("startup", "failure");
    manager.updatePod(pod, [{ name: "slow", id: "c1", startedAt: clock.now() }], "10.0.0.1");
    await clock.advance(1000);
    expect(manager.unhealthy("c1")).toBe("Container slow failed startup probe, will be restarted");
  });

  it("errors (a port name the container lacks) count neither way", async () => {
    const { manager, pod, clock, answers } = setup({
      name: "web",
      livenessProbe: { ...http, periodSeconds: 1, failureThreshold: 1 },
    });
    answers.set("liveness", "error");
    manager.updatePod(pod, [{ name: "web", id: "c1", startedAt: clock.now() }], "10.0.0.1");
    await clock.advance(5000);
    expect(manager.unhealthy("c1")).toBeUndefined();
  });

  it("a pod being deleted: liveness passes and stops, readiness goes on", async () => {
    const { manager, pod, clock, answers, runs } = setup({
      name: "web",
      livenessProbe: { ...http, periodSeconds: 1, failureThreshold: 1 },
      readinessProbe: { ...http, periodSeconds: 1 },
    });
    manager.updatePod(pod, [{ name: "web", id: "c1", startedAt: clock.now() }], "10.0.0.1");
    await clock.advance(0);
    answers.set("liveness", "failure");
    const deleting = { ...pod, metadata: { ...pod.metadata, deletionTimestamp: "2025-01-01T00:00:00Z" } };
    manager.updatePod(deleting, [{ name: "web", id: "c1", startedAt: clock.now() }], "10.0.0.1");
    await clock.advance(3000);
    expect(manager.unhealthy("c1")).toBeUndefined();
    expect(runs.filter((r) => r.kind === "liveness")).toHaveLength(1);
    expect(runs.filter((r) => r.kind === "readiness").length).toBeGreaterThan(1);
  });

  it("drops workers of stopped containers and removed pods; their ids fall back to no-probe answers", async () => {
    const { manager, pod, clock, runs } = setup({
      name: "web",
      readinessProbe: { ...http, periodSeconds: 1 },
    });
    manager.updatePod(pod, [{ name: "web", id: "c1", startedAt: clock.now() }], "10.0.0.1");
    await clock.advance(0);
    manager.updatePod(pod, [], "10.0.0.1");
    expect(manager.workerCount()).toBe(0);
    const before = runs.length;
    await clock.advance(10_000);
    expect(runs).toHaveLength(before);
    manager.updatePod(pod, [{ name: "web", id: "c2", startedAt: clock.now() }], "10.0.0.1");
    manager.removePod("uid-1");
    expect(manager.workerCount()).toBe(0);
    await clock.advance(10_000);
    expect(runs).toHaveLength(before);
  });

  it("spreads the first runs of containers adopted after a restart over one period", async () => {
    let r = 0;
    const { manager, pod, clock, runs } = setup(
      { name: "web", readinessProbe: { ...http, periodSeconds: 10 } },
      { random: () => (r++ % 10) / 10 },
    );
    const t0 = clock.now();
    const running = Array.from({ length: 10 }, (_, i) => ({
      name: "web",
      id: `c${i}`,
      startedAt: t0 - 60_000,
    }));
    manager.updatePod(pod, running, "10.0.0.1");
    await clock.advance(10_000);
    const firsts = new Set(runs.filter((x) => x.at < t0 + 10_000).map((x) => x.at - t0));
    expect(firsts).toEqual(new Set([0, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000]));
  });

  it("reports runs in /metrics", async () => {
    const { manager, pod, clock, answers } = setup({
      name: "web",
      readinessProbe: { ...http, periodSeconds: 1 },
    });
    answers.set("readiness", "failure");
    manager.updatePod(pod, [{ name: "web", id: "c1", startedAt: clock.now() }], "10.0.0.1");
    await clock.advance(2000);
    expect(manager.metrics.text()).toContain('prober_probe_total{probe_type="Readiness",result="failed"} 3');
    expect(manager.metrics.text()).toContain("kubelet_probe_workers 1");
  });
});
