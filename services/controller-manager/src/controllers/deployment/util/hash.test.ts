import { describe, expect, it } from "vitest";
import type { PodTemplateSpec } from "@ktl/api";
import { canonicalJson, computeHash, fnv32a, safeEncodeString } from "./hash.js";

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

const template = (image: string): PodTemplateSpec => ({
  metadata: { labels: { app: "web", tier: "fe" } },
  spec: { containers: [{ name: "c", image, ports: [{ containerPort: 80 }] }] },
});

describe("fnv32a", () => {
  it("matches the FNV-1a reference vectors", () => {
    expect(fnv32a(bytes(""))).toBe(0x811c9dc5);
    expect(fnv32a(bytes("a"))).toBe(0xe40c292c);
    expect(fnv32a(bytes("foobar"))).toBe(0xbf9cf968);
  });

  it("continues from a seed as one hash over the concatenation", () => {
    expect(fnv32a(bytes("bar"), fnv32a(bytes("foo")))).toBe(fnv32a(bytes("foobar")));
  });
});

describe("computeHash", () => {
  it("is stable: the same template always gives the same hash, in Kubernetes' alphabet", () => {
    const hash = computeHash(template("nginx:1.25"));
    expect(computeHash(template("nginx:1.25"))).toBe(hash);
    expect(hash).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    // A fixed value, so a change of the hashing (which renames every new ReplicaSet) is noticed.
    expect(hash).toBe("689f599dcf");
  });

  it("ignores key order and how an unset field is spelt", () => {
    const reordered: PodTemplateSpec = {
      spec: { containers: [{ ports: [{ containerPort: 80 }], image: "nginx:1.25", name: "c", env: [] }] },
      metadata: { annotations: {}, labels: { tier: "fe", app: "web" } },
    };
    expect(computeHash(reordered)).toBe(computeHash(template("nginx:1.25")));
    expect(canonicalJson({ a: null, b: [], c: {}, d: undefined })).toBe("null");
  });

  it("changes with the template and with the collision count", () => {
    const base = computeHash(template("nginx:1.25"));
    expect(computeHash(template("nginx:1.26"))).not.toBe(base);
    const restarted = template("nginx:1.25");
    restarted.metadata = {
      ...restarted.metadata,
      annotations: { "kubectl.kubernetes.io/restartedAt": "now" },
    };
    expect(computeHash(restarted)).not.toBe(base);
    const first = computeHash(template("nginx:1.25"), 0);
    const second = computeHash(template("nginx:1.25"), 1);
    expect(new Set([base, first, second]).size).toBe(3);
  });

  it("encodes decimal digits as Kubernetes' SafeEncodeString does", () => {
    expect(safeEncodeString("0123456789")).toBe("456789bcdf");
  });
});
