import { describe, it, expect } from "vitest";
import { fieldErrorMessage } from "@ktl/apimachinery";
import { validateCreate } from "./index.js";

const messages = (b: unknown): string[] => validateCreate("Binding", b).map(fieldErrorMessage);

describe("Binding", () => {
  it("requires a named Node target", () => {
    expect(messages({ metadata: { name: "web" }, target: { kind: "Node", name: "node-1" } })).toEqual([]);
    expect(messages({ metadata: { name: "web" }, target: { name: "node-1" } })).toEqual([]);
    expect(messages({ metadata: { name: "web" }, target: { kind: "Pod", name: "x" } })).toEqual([
      'target.kind: Unsupported value: "Pod": supported values: "Node", "<empty>"',
    ]);
    expect(messages({ metadata: { name: "web" } })).toEqual(["target.name: Required value"]);
  });
});
