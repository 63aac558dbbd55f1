import { describe, expect, it } from "vitest";
import { applyStrategicMergePatch, kubernetesPatchMeta } from "@ktl/apimachinery";
import { goJson, LAST_APPLIED, lastApplied, withLastApplied } from "./last-applied.js";
import { threeWayMergePatch } from "./three-way.js";

const deployment = (image: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", labels: { app: "web" } },
  spec: {
    replicas: 3,
    template: {
      spec: { containers: [{ name: "web", image, ports: [{ containerPort: 80 }] }] },
    },
    ...extra,
  },
});

/** What the server holds after applying: the config plus defaults and others' fields. */
const live = (config: ReturnType<typeof deployment>) => ({
  ...config,
  metadata: { ...config.metadata, uid: "u1", labels: { ...config.metadata.labels, team: "x" } },
  spec: {
    ...config.spec,
    template: {
      spec: {
        containers: config.spec.template.spec.containers.map((c) => ({
          ...c,
          imagePullPolicy: "IfNotPresent",
          ports: c.ports.map((p) => ({ ...p, protocol: "TCP" })),
        })),
        dnsPolicy: "ClusterFirst",
      },
    },
  },
  status: { replicas: 3 },
});

const patchFor = (original: unknown, modified: unknown, current: unknown) =>
  threeWayMergePatch(original, modified, current, kubernetesPatchMeta);

describe("threeWayMergePatch", () => {
  it("is empty when the config did not change, whatever the server added", () => {
    const config = deployment("nginx:1");
    expect(patchFor(config, config, live(config))).toEqual({});
  });

  it("patches a container by name, keeping defaulted and foreign fields", () => {
    const before = deployment("nginx:1");
    const after = deployment("nginx:2");
    const current = live(before);
    const patch = patchFor(before, after, current);
    expect(patch).toEqual({
      spec: {
        template: {
          spec: {
            containers: [{ name: "web", image: "nginx:2" }],
            "$setElementOrder/containers": [{ name: "web" }],
          },
        },
      },
    });
    const result = applyStrategicMergePatch(current, patch, kubernetesPatchMeta) as any;
    expect(result.spec.template.spec.containers[0]).toMatchObject({
      image: "nginx:2",
      imagePullPolicy: "IfNotPresent",
    });
    expect(result.metadata.labels).toEqual({ app: "web", team: "x" });
  });

  it("deletes what the previous apply set and this one dropped, and only that", () => {
    const before = deployment("nginx:1", { minReadySeconds: 5 });
    const after = deployment("nginx:1");
    const current = live(before);
    const patch = patchFor(before, after, current);
    expect(patch).toEqual({ spec: { minReadySeconds: null } });
    const result = applyStrategicMergePatch(current, patch, kubernetesPatchMeta) as any;
    expect(result.spec.minReadySeconds).toBeUndefined();
    expect(result.spec.template.spec.dnsPolicy).toBe("ClusterFirst");
  });

  it("removes a keyed list element the config no longer has", () => {
    const two = deployment("nginx:1");
    two.spec.template.spec.containers.push({ name: "side", image: "busybox", ports: [] });
    const one = deployment("nginx:1");
    const patch = patchFor(two, one, live(two));
    expect(patch.spec).toEqual({
      template: {
        spec: {
          containers: [{ name: "side", $patch: "delete" }],
          "$setElementOrder/containers": [{ name: "web" }],
        },
      },
    });
    const result = applyStrategicMergePatch(live(two), patch, kubernetesPatchMeta) as any;
    expect(result.spec.template.spec.containers.map((c: any) => c.name)).toEqual(["web"]);
  });

  it("resets a value someone changed on the server back to the config's", () => {
    const config = deployment("nginx:1");
    const current = { ...live(config), spec: { ...live(config).spec, replicas: 7 } };
    expect(patchFor(config, config, current)).toEqual({ spec: { replicas: 3 } });
  });

  it("replaces lists without a merge key and keeps $retainKeys for the strategy", () => {
    const before = {
      spec: { strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1 } }, args: ["a"] },
    };
    const after = { spec: { strategy: { type: "Recreate" }, args: ["b"] } };
    expect(patchFor(before, after, before)).toEqual({
      spec: { strategy: { type: "Recreate", rollingUpdate: null, $retainKeys: ["type"] }, args: ["b"] },
    });
  });
});

describe("last-applied annotation", () => {
  it("records the config as kubectl does: sorted compact JSON, empty annotations kept, newline", () => {
    const applied = withLastApplied({ kind: "Service", apiVersion: "v1", metadata: { name: "web" } });
    const recorded = (applied.metadata?.annotations as Record<string, string>)[LAST_APPLIED];
    expect(recorded).toBe(
      '{"apiVersion":"v1","kind":"Service","metadata":{"annotations":{},"name":"web"}}\n',
    );
    expect(lastApplied(applied)).toEqual({
      apiVersion: "v1",
      kind: "Service",
      metadata: { annotations: {}, name: "web" },
    });
    expect(goJson({ a: "<b>&" })).toBe('{"a":"\\u003cb\\u003e\\u0026"}');
  });
});
