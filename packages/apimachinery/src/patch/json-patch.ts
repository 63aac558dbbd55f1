/**
 * RFC 6902 JSON Patch (`application/json-patch+json`), applied to plain JSON values.
 * Error messages follow the wording of evanphx/json-patch, which the Kubernetes API
 * server uses, so kubectl users see familiar text.
 */
import { PatchError } from "./errors.js";
import type { JsonObject, JsonValue } from "./json.js";
import { cloneJson, hasOwn, isJsonObject, jsonEqual, setOwn } from "./json.js";

export type JsonPatchOperation =
  | { op: "add"; path: string; value: JsonValue }
  | { op: "remove"; path: string }
  | { op: "replace"; path: string; value: JsonValue }
  | { op: "move"; from: string; path: string }
  | { op: "copy"; from: string; path: string }
  | { op: "test"; path: string; value: JsonValue };

const OPS = new Set(["add", "remove", "replace", "move", "copy", "test"]);

/**
 * Applies `patch` (an array of operations) to `document` and returns the new document.
 * The input is never mutated. Throws PatchError on the first operation that fails;
 * operations are all-or-nothing because the work happens on a private copy.
 */
export function applyJsonPatch(document: unknown, patch: unknown): JsonValue {
  if (!Array.isArray(patch)) {
    throw new PatchError("invalid JSON patch: expected an array of operations");
  }
  const operations = patch.map((raw, index) => parseOperation(raw, index));
  let doc = cloneJson(document) as JsonValue;
  for (const operation of operations) {
    doc = applyOperation(doc, operation);
  }
  return doc;
}

/** Parses "/a/b~1c" into ["a", "b/c"]; "" is the whole document. */
export function parseJsonPointer(pointer: string): string[] {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) {
    throw new PatchError(`invalid JSON pointer ${JSON.stringify(pointer)}: must be empty or start with "/"`);
  }
  return pointer
    .slice(1)
    .split("/")
    .map((token) => {
      if (/~(?![01])/.test(token)) {
        throw new PatchError(`invalid JSON pointer ${JSON.stringify(pointer)}: bad "~" escape`);
      }
      // ~1 first: "~01" must decode to "~1", not "/".
      return token.replace(/~1/g, "/").replace(/~0/g, "~");
    });
}

function parseOperation(raw: unknown, index: number): JsonPatchOperation {
  if (!isJsonObject(raw)) {
    throw new PatchError(`invalid JSON patch: operation ${index} is not an object`);
  }
  const { op, path, from } = raw;
  if (typeof op !== "string" || !OPS.has(op)) {
    throw new PatchError(
      `invalid JSON patch: unexpected kind ${JSON.stringify(op ?? null)} in operation ${index}`,
    );
  }
  if (typeof path !== "string") {
    throw new PatchError(`invalid JSON patch: operation ${index} (${op}) is missing "path"`);
  }
  if ((op === "move" || op === "copy") && typeof from !== "string") {
    throw new PatchError(`invalid JSON patch: operation ${index} (${op}) is missing "from"`);
  }
  if ((op === "add" || op === "replace" || op === "test") && !hasOwn(raw, "value")) {
    throw new PatchError(`invalid JSON patch: operation ${index} (${op}) is missing "value"`);
  }
  return raw as unknown as JsonPatchOperation;
}

function applyOperation(doc: JsonValue, operation: JsonPatchOperation): JsonValue {
  switch (operation.op) {
    case "add":
      return addValue(doc, operation.path, cloneJson(operation.value), "add");
    case "remove":
      return removeValue(doc, operation.path, "remove").doc;
    case "replace":
      return replaceValue(doc, operation.path, cloneJson(operation.value));
    case "move":
      return moveValue(doc, operation.from, operation.path);
    case "copy": {
      const value = getValue(doc, operation.from, "copy operation does not apply: doc is missing from path");
      return addValue(doc, operation.path, cloneJson(value), "copy");
    }
    case "test":
      testValue(doc, operation.path, operation.value);
      return doc;
  }
}

function missing(prefix: string, path: string): PatchError {
  return new PatchError(`${prefix}: ${JSON.stringify(path)}: missing value`);
}

/** The container that holds the last token of `path`, plus that token. */
interface Location {
  parent: JsonObject | JsonValue[];
  key: string;
}

function locate(doc: JsonValue, path: string, what: string): Location {
  const tokens = parseJsonPointer(path);
  const key = tokens.pop();
  if (key === undefined) throw new PatchError(`${what}: the document root has no parent`);
  let node: JsonValue | undefined = doc;
  for (const token of tokens) {
    node = child(node, token);
    if (node === undefined) throw missing(`${what}: doc is missing path`, path);
  }
  if (!Array.isArray(node) && !isJsonObject(node)) {
    throw missing(`${what}: doc is missing path`, path);
  }
  return { parent: node, key };
}

function child(node: JsonValue | undefined, token: string): JsonValue | undefined {
  if (Array.isArray(node)) {
    const index = parseIndex(token, node.length - 1);
    return node[index];
  }
  if (isJsonObject(node) && hasOwn(node, token)) return node[token];
  return undefined;
}

/** RFC 6901 array index: digits without leading zeros, within [0, max]. */
function parseIndex(token: string, max: number): number {
  if (!/^(0|[1-9][0-9]*)$/.test(token)) {
    throw new PatchError(
      `unable to access invalid index: ${JSON.stringify(token)}: invalid index referenced`,
    );
  }
  const index = Number(token);
  if (index > max) {
    throw new PatchError(`unable to access invalid index: ${index}: invalid index referenced`);
  }
  return index;
}

function getValue(doc: JsonValue, path: string, what: string): JsonValue {
  let node: JsonValue | undefined = doc;
  for (const token of parseJsonPointer(path)) {
    node = child(node, token);
    if (node === undefined) throw missing(what, path);
  }
  return node;
}

function addValue(doc: JsonValue, path: string, value: JsonValue, opName: string): JsonValue {
  if (path === "") return value;
  const { parent, key } = locate(doc, path, `${opName} operation does not apply`);
  if (Array.isArray(parent)) {
    // "-" appends; otherwise the index may point one past the end.
    const index = key === "-" ? parent.length : parseIndex(key, parent.length);
    parent.splice(index, 0, value);
  } else {
    setOwn(parent, key, value);
  }
  return doc;
}

function removeValue(doc: JsonValue, path: string, opName: string): { doc: JsonValue; removed: JsonValue } {
  const what = `${opName} operation does not apply`;
  const { parent, key } = locate(doc, path, what);
  if (Array.isArray(parent)) {
    const index = parseIndex(key, parent.length - 1);
    const [removed] = parent.splice(index, 1) as [JsonValue];
    return { doc, removed };
  }
  if (!hasOwn(parent, key)) throw missing(`${what}: doc is missing path`, path);
  const removed = parent[key] as JsonValue;
  delete parent[key];
  return { doc, removed };
}

function replaceValue(doc: JsonValue, path: string, value: JsonValue): JsonValue {
  if (path === "") return value;
  const what = "replace operation does not apply";
  const { parent, key } = locate(doc, path, what);
  if (Array.isArray(parent)) {
    parent[parseIndex(key, parent.length - 1)] = value;
  } else {
    if (!hasOwn(parent, key)) throw missing(`${what}: doc is missing key`, path);
    setOwn(parent, key, value);
  }
  return doc;
}

function moveValue(doc: JsonValue, from: string, path: string): JsonValue {
  if (from === path) {
    getValue(doc, from, "move operation does not apply: doc is missing from path");
    return doc;
  }
  if (path.startsWith(`${from}/`)) {
    throw new PatchError(`move operation does not apply: cannot move ${from} into its own child ${path}`);
  }
  if (from === "") {
    throw new PatchError("move operation does not apply: cannot move the document root");
  }
  getValue(doc, from, "move operation does not apply: doc is missing from path");
  const { doc: rest, removed } = removeValue(doc, from, "move");
  return addValue(rest, path, removed, "move");
}

function testValue(doc: JsonValue, path: string, expected: JsonValue): void {
  let actual: JsonValue;
  try {
    actual = getValue(doc, path, "doc is missing path");
  } catch (err) {
    throw new PatchError(`testing value ${path} failed: ${(err as Error).message}`, { cause: err });
  }
  if (!jsonEqual(actual, expected)) {
    throw new PatchError(`testing value ${path} failed: test failed`);
  }
}
