import { describe, expect, it } from "vitest";
import type { Event } from "@ktl/api";
import { EventRecorder, type EventSink } from "./recorder.js";
import { KINDS, referenceTo } from "./reference.js";
import { parseEventSubject } from "./stream.js";

function capture(up = true): EventSink & { sent: { subject: string; event: Event }[]; up: boolean } {
  const sink = {
    up,
    sent: [] as { subject: string; event: Event }[],
    publish(subject: string, data: Uint8Array): boolean {
      if (!sink.up) return false;
      sink.sent.push({ subject, event: JSON.parse(new TextDecoder().decode(data)) as Event });
      return true;
    },
  };
  return sink;
}

const pod = { metadata: { name: "web-1", namespace: "prod", uid: "u-1", resourceVersion: "7" } };

describe("EventRecorder", () => {
  it("records Kubernetes' fields, named <object>.<hex> in the object's namespace", () => {
    const sink = capture();
    const now = Date.parse("2024-05-01T10:00:00.123Z");
    const r = new EventRecorder({ sink, component: "kubelet", host: "node-1", now: () => now });
    r.event(
      referenceTo(pod, KINDS.Pod, "spec.containers{app}"),
      "Normal",
      "Pulled",
      "pulled %s in %dms",
      "nginx",
      12,
    );
    expect(sink.sent).toHaveLength(1);
    const { subject, event } = sink.sent[0] ?? { subject: "", event: {} };
    expect(event.metadata?.name).toMatch(/^web-1\.[0-9a-f]+$/);
    expect(event.metadata?.namespace).toBe("prod");
    expect(parseEventSubject(subject)).toEqual({ namespace: "prod", name: event.metadata?.name });
    expect(event).toMatchObject({
      involvedObject: {
        kind: "Pod",
        apiVersion: "v1",
        name: "web-1",
        namespace: "prod",
        uid: "u-1",
        fieldPath: "spec.containers{app}",
      },
      type: "Normal",
      reason: "Pulled",
      message: "pulled nginx in 12ms",
      source: { component: "kubelet", host: "node-1" },
      count: 1,
      firstTimestamp: "2024-05-01T10:00:00Z",
      lastTimestamp: "2024-05-01T10:00:00Z",
      reportingComponent: "kubelet",
      reportingInstance: "node-1",
    });
  });

  it("puts events about cluster-scoped objects in default", () => {
    const sink = capture();
    const r = new EventRecorder({ sink, component: "kubelet" });
    r.event(referenceTo({ metadata: { name: "node-1", uid: "n" } }, KINDS.Node), "Normal", "Starting", "x");
    expect(sink.sent[0]?.event.metadata?.namespace).toBe("default");
    expect(sink.sent[0]?.subject.startsWith("events.default.node-1.")).toBe(true);
  });

  it("aggregates identical events: same name, count+1, new lastTimestamp", () => {
    const sink = capture();
    let now = Date.parse("2024-05-01T10:00:00Z");
    const r = new EventRecorder({ sink, component: "kubelet", now: () => now });
    const ref = referenceTo(pod, KINDS.Pod);
    r.event(ref, "Warning", "BackOff", "Back-off restarting failed container");
    now += 5000;
    r.event(ref, "Warning", "BackOff", "Back-off restarting failed container");
    r.event(ref, "Warning", "Other", "Back-off restarting failed container");
    const [first, second, other] = sink.sent.map((s) => s.event);
    expect(second?.metadata?.name).toBe(first?.metadata?.name);
    expect(second?.metadata?.uid).toBe(first?.metadata?.uid);
    expect(second?.count).toBe(2);
    expect(second?.firstTimestamp).toBe("2024-05-01T10:00:00Z");
    expect(second?.lastTimestamp).toBe("2024-05-01T10:00:05Z");
    expect(other?.metadata?.name).not.toBe(first?.metadata?.name);
    expect(other?.count).toBe(1);
  });

  it("rate limits each source+object: burst 25, then one per 5 minutes", () => {
    const sink = capture();
    let now = 0;
    const r = new EventRecorder({ sink, component: "kubelet", now: () => now });
    const ref = referenceTo(pod, KINDS.Pod);
    for (let i = 0; i < 40; i++) r.event(ref, "Warning", "BackOff", "attempt %d", i);
    expect(sink.sent).toHaveLength(25);
    expect(r.dropped.rate_limited).toBe(15);
    // Another object has its own bucket.
    r.event(referenceTo({ metadata: { name: "other", namespace: "prod" } }, KINDS.Pod), "Normal", "X", "y");
    expect(sink.sent).toHaveLength(26);
    now += 299_000;
    r.event(ref, "Warning", "BackOff", "later");
    expect(sink.sent).toHaveLength(26);
    now += 1_000;
    r.event(ref, "Warning", "BackOff", "later");
    expect(sink.sent).toHaveLength(27);
  });

  it("never throws or blocks when the bus is down, and counts the drops", () => {
    const sink = capture(false);
    const r = new EventRecorder({ sink, component: "kubelet" });
    expect(() => r.event(pod, "Normal", "Started", "started")).not.toThrow();
    expect(r.dropped.nats_unavailable).toBe(1);
    expect(r.metricsText()).toContain('events_dropped_total{reason="nats_unavailable"} 1');
    const throwing = new EventRecorder({
      sink: {
        publish() {
          throw new Error("boom");
        },
      },
      component: "x",
    });
    expect(() => throwing.event(pod, "Normal", "Started", "s")).not.toThrow();
    expect(throwing.dropped.error).toBe(1);
  });

  it("withComponent reports as another component but shares aggregation and counters", () => {
    const sink = capture();
    const root = new EventRecorder({ sink, component: "controller-manager", now: () => 1000 });
    const rs = root.withComponent("replicaset-controller");
    const deploy = root.withComponent("deployment-controller");
    rs.event(pod, "Normal", "SuccessfulCreate", "Created pod: web-1");
    rs.event(pod, "Normal", "SuccessfulCreate", "Created pod: web-1");
    deploy.event(pod, "Normal", "ScalingReplicaSet", "Scaled up");
    expect(
      sink.sent.map((s) => [s.event.source?.component, s.event.reportingComponent, s.event.count]),
    ).toEqual([
      ["replicaset-controller", "replicaset-controller", 1],
      ["replicaset-controller", "replicaset-controller", 2],
      ["deployment-controller", "deployment-controller", 1],
    ]);
    expect(root.recorded).toBe(3);
    expect(root.metricsText()).toContain("events_recorded_total 3");
  });

  it("disabled recorders drop and count", () => {
    const r = EventRecorder.disabled("default-scheduler");
    r.event(pod, "Normal", "Scheduled", "x");
    expect(r.droppedTotal).toBe(1);
  });
});

describe("event subjects", () => {
  it("round-trip names with dots; namespaces filter with a wildcard", async () => {
    const { eventSubject, eventFilter } = await import("./stream.js");
    expect(parseEventSubject(eventSubject("prod", "web.abc.17f"))).toEqual({
      namespace: "prod",
      name: "web.abc.17f",
    });
    expect(eventFilter("prod")).toBe("events.prod.>");
    expect(eventFilter()).toBe("events.>");
  });
});
