import { describe, it, expect } from "vitest";
import { fieldErrorMessage } from "@ktl/apimachinery";
import type { Lease, LeaseSpec } from "../gen/types.js";
import { validateCreate, validateUpdate } from "./index.js";

const lease = (spec: LeaseSpec, name = "kube-controller-manager"): Lease => ({
  metadata: { name, namespace: "kube-system" },
  spec,
});
const messages = (l: unknown): string[] => validateCreate("Lease", l).map(fieldErrorMessage);

describe("Lease", () => {
  it("accepts what client-go's LeaseLock writes", () => {
    const now = "2024-05-01T10:00:00.123456Z";
    const spec = {
      holderIdentity: "host-a_3f1c",
      leaseDurationSeconds: 15,
      acquireTime: now,
      renewTime: now,
      leaseTransitions: 0,
    };
    expect(messages(lease(spec))).toEqual([]);
    // A released lease: no holder, one second.
    expect(messages(lease({ ...spec, holderIdentity: "", leaseDurationSeconds: 1 }))).toEqual([]);
    expect(messages(lease({}))).toEqual([]);
    expect(messages({ metadata: { name: "l", namespace: "default" } })).toEqual([]);
  });

  it("requires a positive duration and non-negative transitions", () => {
    expect(messages(lease({ leaseDurationSeconds: 0, leaseTransitions: -1 }))).toEqual([
      "spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0",
      "spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0",
    ]);
  });

  it("bounds the holder identity", () => {
    expect(messages(lease({ holderIdentity: "h".repeat(253) }))).toEqual([]);
    expect(messages(lease({ holderIdentity: "h".repeat(254) }))).toEqual([
      "spec.holderIdentity: Too long: may not be more than 253 bytes",
    ]);
  });

  it("checks strategy and preferredHolder", () => {
    expect(messages(lease({ strategy: "OldestEmulationVersion", preferredHolder: "b" }))).toEqual([]);
    expect(messages(lease({ strategy: "example.com/mine" }))).toEqual([]);
    expect(messages(lease({ strategy: "Newest" }))).toEqual([
      'spec.strategy: Unsupported value: "Newest": supported values: "OldestEmulationVersion"',
    ]);
    expect(messages(lease({ preferredHolder: "b" }))).toEqual([
      "spec.preferredHolder: Forbidden: may only be specified if `strategy` is defined",
    ]);
  });

  it("wants a DNS subdomain name and a namespace", () => {
    expect(messages({ metadata: { name: "Bad_Name", namespace: "kube-system" } })[0]).toMatch(
      /^metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/,
    );
    expect(messages({ metadata: { name: "l" } })).toEqual(["metadata.namespace: Required value"]);
  });

  it("lets any holder rewrite the spec, but not the name", () => {
    const old = lease({ holderIdentity: "a", leaseTransitions: 1 });
    old.metadata = { ...old.metadata, resourceVersion: "5" };
    const next = lease({ holderIdentity: "b", leaseTransitions: 2 });
    next.metadata = { ...next.metadata, resourceVersion: "5" };
    expect(validateUpdate("Lease", next, old)).toEqual([]);
    expect(validateUpdate("Lease", lease({ leaseDurationSeconds: -3 }), old).map(fieldErrorMessage)).toEqual([
      "spec.leaseDurationSeconds: Invalid value: -3: must be greater than 0",
    ]);
    expect(
      validateUpdate("Lease", { ...next, metadata: { name: "other", namespace: "kube-system" } }, old).map(
        fieldErrorMessage,
      ),
    ).toEqual(['metadata.name: Invalid value: "other": field is immutable']);
  });

  it("refuses the wrong JSON types", () => {
    expect(
      messages({ metadata: { name: "l", namespace: "d" }, spec: { leaseDurationSeconds: "15" } }),
    ).toEqual(['spec.leaseDurationSeconds: Invalid value: "15": must be of type number']);
  });
});
