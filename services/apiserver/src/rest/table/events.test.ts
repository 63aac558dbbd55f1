import type { Event } from "@ktl/api";
import { describe, expect, it } from "vitest";
import { eventPrinter } from "./events.js";

const NOW = new Date("2024-05-01T12:00:00Z");
const ago = (seconds: number): string => new Date(NOW.getTime() - seconds * 1000).toISOString();

const event = (overrides: Partial<Event> = {}): Event => ({
  metadata: { name: "web-1.17c8a1", namespace: "default", creationTimestamp: ago(600) },
  involvedObject: { kind: "Pod", name: "web-1", fieldPath: "spec.containers{app}" },
  reason: "BackOff",
  message: "Back-off restarting failed container\n",
  type: "Warning",
  source: { component: "kubelet", host: "node-a" },
  firstTimestamp: ago(600),
  lastTimestamp: ago(30),
  count: 7,
  ...overrides,
});
const cells = (e: Event) => eventPrinter.print(e, NOW).cells;

describe("event printer", () => {
  it("has kubectl get events' columns, the rest wide", () => {
    expect(eventPrinter.columns.map((c) => [c.name, c.priority])).toEqual([
      ["Last Seen", 0],
      ["Type", 0],
      ["Reason", 0],
      ["Object", 0],
      ["Subobject", 1],
      ["Source", 1],
      ["Message", 0],
      ["First Seen", 1],
      ["Count", 1],
      ["Name", 1],
    ]);
    expect(eventPrinter.columns.find((c) => c.name === "Name")?.format).toBe("name");
  });

  it("prints a core/v1 event", () => {
    expect(cells(event())).toEqual([
      "30s",
      "Warning",
      "BackOff",
      "pod/web-1",
      "spec.containers{app}",
      "kubelet, node-a",
      "Back-off restarting failed container",
      "10m",
      7,
      "web-1.17c8a1",
    ]);
  });

  it("falls back from lastTimestamp to firstTimestamp to eventTime, and counts singletons as 1", () => {
    const noLast = event({ lastTimestamp: undefined });
    expect([cells(noLast)[0], cells(noLast)[7]]).toEqual(["10m", "10m"]);
    const newStyle = event({
      firstTimestamp: undefined,
      lastTimestamp: undefined,
      eventTime: ago(90),
      count: undefined,
      source: undefined,
      reportingComponent: "default-scheduler",
      reportingInstance: "scheduler-0",
    });
    expect(cells(newStyle)[0]).toBe("90s");
    expect(cells(newStyle)[5]).toBe("default-scheduler, scheduler-0");
    expect(cells(newStyle)[8]).toBe(1);
  });

  it("takes last seen and count from a series", () => {
    const e = { ...event(), series: { count: 12, lastObservedTime: ago(5) } } as Event;
    expect([cells(e)[0], cells(e)[8]]).toEqual(["5s", 12]);
  });

  it("prints the kind alone for an unnamed object, and a source without host", () => {
    const e = event({ involvedObject: { kind: "Node" }, source: { component: "kubelet" } });
    expect([cells(e)[3], cells(e)[5]]).toEqual(["node", "kubelet"]);
  });
});
