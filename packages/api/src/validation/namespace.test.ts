import { describe, it, expect } from "vitest";
import { fieldErrorMessage } from "@ktl/apimachinery";
import type { Namespace } from "../gen/types.js";
import { applyDefaults } from "../defaults/index.js";
import { validateCreate, validateUpdate } from "./index.js";

function namespace(name: string, finalizers?: string[]): Namespace {
  const ns: Namespace = { metadata: { name }, spec: { finalizers } };
  applyDefaults("Namespace", ns);
  return ns;
}

const messages = (ns: unknown): string[] => validateCreate("Namespace", ns).map(fieldErrorMessage);

describe("Namespace", () => {
  it("requires a DNS-1123 label name", () => {
    expect(messages(namespace("team-a"))).toEqual([]);
    expect(messages(namespace("team.a"))).toEqual([
      'metadata.name: Invalid value: "team.a": must not contain dots',
    ]);
  });

  it("checks spec finalizers", () => {
    expect(messages(namespace("a", ["kubernetes", "example.com/x"]))).toEqual([]);
    expect(messages(namespace("a", ["cleanup"]))).toEqual([
      'spec.finalizers: Invalid value: "cleanup": name is neither a standard finalizer name nor is it fully qualified',
    ]);
  });

  it("only checks metadata on update", () => {
    const old = namespace("a");
    expect(validateUpdate("Namespace", namespace("a"), old)).toEqual([]);
    expect(validateUpdate("Namespace", namespace("b"), old).map(fieldErrorMessage)).toEqual([
      'metadata.name: Invalid value: "b": field is immutable',
    ]);
  });
});
