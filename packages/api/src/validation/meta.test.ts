import { describe, it, expect } from "vitest";
import { fieldErrorMessage } from "@ktl/apimachinery";
import type { ConfigMap, ObjectMeta } from "../gen/types.js";
import { validateCreate, validateStatusUpdate, validateUpdate } from "./index.js";

/** Metadata rules are shared by every kind; a ConfigMap carries them with nothing else. */
const cm = (meta: ObjectMeta): ConfigMap => ({ metadata: { namespace: "default", ...meta } });
const messages = (meta: ObjectMeta): string[] => validateCreate("ConfigMap", cm(meta)).map(fieldErrorMessage);

describe("metadata", () => {
  it("requires a name unless generateName is set", () => {
    expect(messages({})).toEqual(["metadata.name: Required value: name or generateName is required"]);
    expect(messages({ generateName: "web-" })).toEqual([]);
    expect(messages({ name: "web" })).toEqual([]);
  });

  it("requires DNS-1123 subdomain names", () => {
    expect(messages({ name: "Web_1" })).toEqual([
      `metadata.name: Invalid value: "Web_1": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    ]);
    expect(messages({ generateName: "Web-" })[0]).toMatch(
      /^metadata\.generateName: Invalid value: "Web-": a lowercase RFC 1123 subdomain/,
    );
  });

  it("requires a namespace on namespaced kinds and forbids it on cluster ones", () => {
    expect(validateCreate("ConfigMap", { metadata: { name: "x" } }).map(fieldErrorMessage)).toEqual([
      "metadata.namespace: Required value",
    ]);
    expect(
      validateCreate("Namespace", { metadata: { name: "x", namespace: "y" } }).map(fieldErrorMessage),
    ).toEqual(["metadata.namespace: Forbidden: not allowed on this type"]);
  });

  it("checks label keys and values", () => {
    expect(messages({ name: "x", labels: { "app.kubernetes.io/name": "web" } })).toEqual([]);
    expect(messages({ name: "x", labels: { "-app": "web" } })).toEqual([
      `metadata.labels: Invalid value: "-app": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
    ]);
    expect(messages({ name: "x", labels: { app: "a".repeat(64) } })[0]).toBe(
      `metadata.labels: Invalid value: "${"a".repeat(64)}": must be no more than 63 characters`,
    );
  });

  it("checks annotation keys and total size", () => {
    expect(messages({ name: "x", annotations: { "Example.com/Note": "anything goes" } })).toEqual([]);
    expect(messages({ name: "x", annotations: { "a/b/c": "v" } })[0]).toMatch(
      /^metadata\.annotations: Invalid value: "a\/b\/c": a qualified name/,
    );
    expect(messages({ name: "x", annotations: { big: "x".repeat(256 * 1024) } })).toEqual([
      "metadata.annotations: Too long: may not be more than 262144 bytes",
    ]);
  });

  it("checks owner references", () => {
    const ref = { apiVersion: "apps/v1", kind: "ReplicaSet", name: "rs", uid: "u1", controller: true };
    expect(messages({ name: "x", ownerReferences: [ref] })).toEqual([]);
    expect(messages({ name: "x", ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet" }] })).toEqual(
      [
        'metadata.ownerReferences.name: Invalid value: "": must not be empty',
        'metadata.ownerReferences.uid: Invalid value: "": must not be empty',
      ],
    );
    expect(messages({ name: "x", ownerReferences: [ref, { ...ref, name: "rs2", uid: "u2" }] })[0]).toMatch(
      /^metadata\.ownerReferences: Invalid value: .*: Only one reference can have Controller set to true\. Found "true" in references for ReplicaSet\/rs and ReplicaSet\/rs2$/,
    );
  });

  it("checks finalizer names", () => {
    expect(messages({ name: "x", finalizers: ["kubernetes", "example.com/cleanup"] })).toEqual([]);
    expect(messages({ name: "x", finalizers: ["cleanup"] })).toEqual([
      'metadata.finalizers[0]: Invalid value: "cleanup": name is neither a standard finalizer name nor is it fully qualified',
    ]);
  });
});

describe("metadata on update", () => {
  const old = cm({ name: "x", uid: "u1", resourceVersion: "5" });

  it("keeps name, namespace and uid", () => {
    const changed = cm({ name: "x", namespace: "other", uid: "u2" });
    expect(validateUpdate("ConfigMap", changed, old).map(fieldErrorMessage)).toEqual([
      'metadata.namespace: Invalid value: "other": field is immutable',
      'metadata.uid: Invalid value: "u2": field is immutable',
    ]);
    // Omitted identity fields are the server's to fill in from the stored object.
    expect(validateUpdate("ConfigMap", cm({ name: "x" }), old)).toEqual([]);
  });

  it("checks only metadata on status updates", () => {
    const bad = { ...cm({ name: "y", labels: { "bad key": "v" } }), data: { "bad key": "v" } };
    expect(validateStatusUpdate("ConfigMap", bad, old).map(fieldErrorMessage)).toEqual([
      'metadata.name: Invalid value: "y": field is immutable',
      expect.stringMatching(/^metadata\.labels: Invalid value: "bad key"/),
    ]);
    expect(validateStatusUpdate("ConfigMap", cm({ name: "x" }), old)).toEqual([]);
  });
});

describe("validateCreate", () => {
  it("rejects non-objects and ignores unknown kinds", () => {
    expect(validateCreate("ConfigMap", "x").map(fieldErrorMessage)).toEqual([
      '[]: Invalid value: "x": must be of type object',
    ]);
    expect(validateCreate("Widget", { anything: true })).toEqual([]);
  });
});
