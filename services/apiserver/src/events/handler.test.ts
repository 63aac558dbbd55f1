import { describe, expect, it } from "vitest";
import type { Event } from "@ktl/api";
import { eventMatcher, prepare } from "./handler.js";

const event: Event = {
  metadata: { name: "web.17f", namespace: "default", labels: { team: "a" } },
  involvedObject: {
    kind: "Pod",
    name: "web",
    namespace: "default",
    uid: "u1",
    apiVersion: "v1",
    fieldPath: "spec.containers{web}",
  },
  reason: "BackOff",
  type: "Warning",
  source: { component: "kubelet", host: "n1" },
};

describe("eventMatcher", () => {
  it("selects on involvedObject fields, reason, type and source as Kubernetes allows", () => {
    expect(eventMatcher("", "involvedObject.name=web,involvedObject.kind=Pod")(event)).toBe(true);
    expect(eventMatcher("", "involvedObject.uid=u1,involvedObject.apiVersion=v1")(event)).toBe(true);
    expect(eventMatcher("", "involvedObject.fieldPath=spec.containers{web}")(event)).toBe(true);
    expect(eventMatcher("", "reason=BackOff,type=Warning,source=kubelet")(event)).toBe(true);
    expect(eventMatcher("", "type!=Warning")(event)).toBe(false);
    expect(eventMatcher("", "involvedObject.name=other")(event)).toBe(false);
    expect(eventMatcher("team=a", "")(event)).toBe(true);
    expect(eventMatcher("team=b", "")(event)).toBe(false);
  });

  it("refuses fields events cannot be selected by", () => {
    expect(() => eventMatcher("", "spec.nodeName=x")).toThrow(/field label not supported/);
  });
});

describe("prepare", () => {
  it("fills uid, creationTimestamp, kind and the path's namespace", () => {
    const out = prepare({ metadata: { name: "a.1" }, involvedObject: { name: "a" } }, "prod", undefined);
    expect(out.kind).toBe("Event");
    expect(out.metadata?.namespace).toBe("prod");
    expect(out.metadata?.uid).toBeTruthy();
    expect(out.metadata?.creationTimestamp).toMatch(/Z$/);
  });

  it("refuses names that are not DNS subdomains (they become NATS subject tokens)", () => {
    expect(() => prepare({ metadata: { name: "a b" }, involvedObject: {} }, "prod", undefined)).toThrow(
      /is invalid/,
    );
    expect(() => prepare({ metadata: { name: "a.>" }, involvedObject: {} }, "prod", undefined)).toThrow(
      /is invalid/,
    );
  });

  it("refuses a namespace or name that disagrees with the path, and unknown types", () => {
    expect(() =>
      prepare({ metadata: { name: "a", namespace: "x" }, involvedObject: {} }, "prod", undefined),
    ).toThrow(/does not match/);
    expect(() => prepare({ metadata: { name: "a" }, involvedObject: {} }, "prod", "b")).toThrow(/is invalid/);
    expect(() =>
      prepare({ metadata: { name: "a" }, involvedObject: {}, type: "Bad" }, "prod", undefined),
    ).toThrow(/is invalid/);
  });
});
