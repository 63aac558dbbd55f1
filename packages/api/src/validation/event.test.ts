import { describe, it, expect } from "vitest";
import { fieldErrorMessage } from "@ktl/apimachinery";
import type { Event } from "../gen/types.js";
import { validateCreate } from "./index.js";

const event = (fields: Partial<Event> = {}): Event => ({
  metadata: { name: "web.17a2b3c4", namespace: "default" },
  involvedObject: { kind: "Pod", name: "web", namespace: "default" },
  reason: "Scheduled",
  message: "Successfully assigned default/web to node-1",
  type: "Normal",
  ...fields,
});
const messages = (e: unknown): string[] => validateCreate("Event", e).map(fieldErrorMessage);

describe("Event", () => {
  it("accepts a legacy event about an object in its namespace", () => {
    expect(messages(event())).toEqual([]);
    expect(messages(event({ involvedObject: { kind: "Node", name: "node-1" } }))).toEqual([]);
  });

  it("requires the event to live in its object's namespace", () => {
    expect(messages(event({ involvedObject: { kind: "Pod", name: "web", namespace: "other" } }))).toEqual([
      'involvedObject.namespace: Invalid value: "other": does not match event.namespace',
    ]);
  });

  it("requires reporting fields on new-style events", () => {
    expect(messages(event({ eventTime: "2024-01-01T00:00:00.000000Z", reason: "" }))).toEqual([
      "reportingController: Required value",
      `reportingController: Invalid value: "": name part must be non-empty`,
      `reportingController: Invalid value: "": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
      "reportingInstance: Required value",
      "action: Required value",
      "reason: Required value",
    ]);
    const full = {
      eventTime: "2024-01-01T00:00:00.000000Z",
      reportingComponent: "kubelet",
      reportingInstance: "node-1",
      action: "Pull",
    };
    expect(messages(event(full))).toEqual([]);
  });

  it("only restricts names to a URL path segment", () => {
    expect(messages(event({ metadata: { name: "a/b", namespace: "default" } }))).toEqual([
      `metadata.name: Invalid value: "a/b": may not contain '/'`,
    ]);
  });
});
