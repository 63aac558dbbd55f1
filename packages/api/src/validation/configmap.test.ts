import { describe, it, expect } from "vitest";
import { fieldErrorMessage } from "@ktl/apimachinery";
import type { ConfigMap } from "../gen/types.js";
import { validateCreate, validateUpdate } from "./index.js";

const cm = (fields: Partial<ConfigMap>): ConfigMap => ({
  metadata: { name: "cfg", namespace: "default" },
  ...fields,
});
const messages = (c: unknown): string[] => validateCreate("ConfigMap", c).map(fieldErrorMessage);

describe("ConfigMap", () => {
  it("checks keys", () => {
    expect(
      messages(cm({ data: { "app.properties": "a=b", KEY_1: "v" }, binaryData: { "logo.png": "iVBORw0=" } })),
    ).toEqual([]);
    expect(messages(cm({ data: { "a/b": "x" } }))).toEqual([
      `data[a/b]: Invalid value: "a/b": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`,
    ]);
    expect(messages(cm({ data: { "..data": "x" } }))).toEqual([
      `data[..data]: Invalid value: "..data": must not start with '..'`,
    ]);
    expect(messages(cm({ data: { k: "x" }, binaryData: { k: "eA==" } }))).toEqual([
      'data[k]: Invalid value: "k": duplicate of key present in binaryData',
    ]);
  });

  it("limits the total size to 1 MiB", () => {
    expect(messages(cm({ data: { big: "x".repeat(1024 * 1024) } }))).toEqual([]);
    expect(messages(cm({ data: { big: "x".repeat(1024 * 1024), more: "y" } }))).toEqual([
      "[]: Too long: may not be more than 1048576 bytes",
    ]);
  });

  it("freezes data once immutable", () => {
    const old = cm({ data: { a: "1" }, immutable: true });
    expect(
      validateUpdate(
        "ConfigMap",
        cm({
          data: { a: "1" },
          immutable: true,
          metadata: { name: "cfg", namespace: "default", labels: { x: "y" } },
        }),
        old,
      ),
    ).toEqual([]);
    expect(
      validateUpdate("ConfigMap", cm({ data: { a: "2" }, immutable: true }), old).map(fieldErrorMessage),
    ).toEqual(["data: Forbidden: field is immutable when `immutable` is set"]);
    expect(validateUpdate("ConfigMap", cm({ data: { a: "1" } }), old).map(fieldErrorMessage)).toEqual([
      "immutable: Forbidden: field is immutable when `immutable` is set",
    ]);
    expect(validateUpdate("ConfigMap", cm({ data: { a: "2" } }), cm({ data: { a: "1" } }))).toEqual([]);
  });
});
