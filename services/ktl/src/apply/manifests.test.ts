import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { expandPaths, parseManifests } from "./manifests.js";

describe("parseManifests", () => {
  it("reads every document, skips empty ones and flattens Lists", () => {
    const text = [
      "apiVersion: v1",
      "kind: Namespace",
      "metadata: {name: a}",
      "---",
      "---",
      '{"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b"}}]}',
    ].join("\n");
    const objects = parseManifests(text, "x.yaml");
    expect(objects.map((m) => [m.object.kind, m.document])).toEqual([
      ["Namespace", 1],
      ["ConfigMap", 3],
    ]);
  });

  it("names the file, the document and the line of a YAML error", () => {
    const text = [
      "apiVersion: v1",
      "kind: Namespace",
      "metadata: {name: a}",
      "---",
      "kind: Pod",
      "metadata:",
      "  name: [a",
      "  x: 1",
    ].join("\n");
    expect(() => parseManifests(text, "bad.yaml")).toThrow(
      /^error parsing bad\.yaml: document 2, line \d+: /,
    );
    try {
      parseManifests(text, "bad.yaml");
    } catch (err) {
      const line = Number(/line (\d+)/.exec((err as Error).message)?.[1]);
      expect(line).toBeGreaterThanOrEqual(7);
      expect(line).toBeLessThanOrEqual(8);
    }
  });

  it("names the document that lacks kind or apiVersion", () => {
    expect(() => parseManifests("apiVersion: v1\nkind: A\n---\nmetadata: {name: x}\n", "m.yaml")).toThrow(
      'error validating "m.yaml": document 2, line 4: error validating data: [apiVersion not set, kind not set]',
    );
  });
});

describe("expandPaths", () => {
  const dir = mkdtempSync(join(tmpdir(), "ktl-manifests-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("lists a directory's manifests, recursing only with -R", () => {
    mkdirSync(join(dir, "sub"));
    for (const f of ["b.yaml", "a.json", "notes.txt", "sub/c.yml"]) writeFileSync(join(dir, f), "");
    expect(expandPaths([dir], false)).toEqual([join(dir, "a.json"), join(dir, "b.yaml")]);
    expect(expandPaths([dir], true)).toContain(join(dir, "sub/c.yml"));
    expect(() => expandPaths([join(dir, "nope")], false)).toThrow("does not exist");
  });
});
