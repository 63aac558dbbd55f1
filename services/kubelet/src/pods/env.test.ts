import { describe, expect, it } from "vitest";
import type { ConfigMap, Container, Pod } from "@ktl/api";
import { notFound } from "@ktl/apimachinery";
import { ContainerConfigError, expandCommand, makeEnvironment, type EnvContext } from "./env.js";
import { expand } from "./expansion.js";

const configMaps: Record<string, ConfigMap> = {
  settings: { metadata: { name: "settings", namespace: "ns" }, data: { mode: "fast", level: "3" } },
};
const getConfigMap = (namespace: string, name: string): Promise<ConfigMap> => {
  const cm = configMaps[name];
  return cm ? Promise.resolve(cm) : Promise.reject(notFound({ group: "", resource: "configmaps" }, name));
};

function ctx(container: Container, extra: Partial<EnvContext> = {}): EnvContext {
  const pod: Pod = {
    metadata: {
      name: "web-abc",
      namespace: "ns",
      uid: "uid-1",
      labels: { app: "web", tier: "front" },
      annotations: { note: 'say "hi"' },
    },
    spec: { nodeName: "node-1", serviceAccountName: "robot", containers: [container] },
  };
  return {
    pod,
    container,
    podIps: ["10.88.0.5"],
    nodeIp: "127.0.0.10",
    getConfigMap,
    allocatable: { cpu: "4", memory: "8Gi" },
    ...extra,
  };
}

describe("expand", () => {
  const vars = new Map([
    ["A", "x"],
    ["B", "y"],
  ]);
  const lookup = (n: string): string | undefined => vars.get(n);
  it("follows Kubernetes' $(VAR) rules", () => {
    expect(expand("$(A)-$(B)", lookup)).toBe("x-y");
    expect(expand("$(MISSING)", lookup)).toBe("$(MISSING)");
    expect(expand("$$(A)", lookup)).toBe("$(A)");
    expect(expand("$$", lookup)).toBe("$");
    expect(expand("$A $", lookup)).toBe("$A $");
    expect(expand("$(A", lookup)).toBe("$(A");
    expect(expand("a$(A)b$(B)c", lookup)).toBe("axbyc");
  });
});

describe("makeEnvironment", () => {
  it("resolves the downward API, ConfigMap keys and $(VAR) references in order", async () => {
    const env = await makeEnvironment(
      ctx({
        name: "web",
        resources: { requests: { cpu: "250m", memory: "64Mi" }, limits: { memory: "128Mi" } },
        envFrom: [{ configMapRef: { name: "settings" }, prefix: "CFG_" }],
        env: [
          { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
          { name: "NS", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
          { name: "UID", valueFrom: { fieldRef: { fieldPath: "metadata.uid" } } },
          { name: "APP", valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
          { name: "LABELS", valueFrom: { fieldRef: { fieldPath: "metadata.labels" } } },
          { name: "NOTE", valueFrom: { fieldRef: { fieldPath: "metadata.annotations['note']" } } },
          { name: "NODE", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
          { name: "SA", valueFrom: { fieldRef: { fieldPath: "spec.serviceAccountName" } } },
          { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
          { name: "HOST_IP", valueFrom: { fieldRef: { fieldPath: "status.hostIP" } } },
          { name: "MODE", valueFrom: { configMapKeyRef: { name: "settings", key: "mode" } } },
          { name: "CPU_REQ_M", valueFrom: { resourceFieldRef: { resource: "requests.cpu", divisor: "1m" } } },
          {
            name: "MEM_LIMIT_MI",
            valueFrom: { resourceFieldRef: { resource: "limits.memory", divisor: "1Mi" } },
          },
          { name: "CPU_LIMIT", valueFrom: { resourceFieldRef: { resource: "limits.cpu" } } },
          { name: "URL", value: "http://$(POD_IP):80/$(MODE)/$(UNDEFINED)" },
          { name: "LATER", value: "$(DEFINED_LATER)" },
          { name: "DEFINED_LATER", value: "v" },
          { name: "CFG_level", value: "overridden" },
        ],
      }),
    );
    const map = Object.fromEntries(env.map((e) => [e.name, e.value]));
    expect(map).toEqual({
      CFG_mode: "fast",
      CFG_level: "overridden",
      POD_NAME: "web-abc",
      NS: "ns",
      UID: "uid-1",
      APP: "web",
      LABELS: 'app="web"\ntier="front"',
      NOTE: 'say "hi"',
      NODE: "node-1",
      SA: "robot",
      POD_IP: "10.88.0.5",
      HOST_IP: "127.0.0.10",
      MODE: "fast",
      CPU_REQ_M: "250",
      MEM_LIMIT_MI: "128",
      CPU_LIMIT: "4",
      URL: "http://10.88.0.5:80/fast/$(UNDEFINED)",
      LATER: "$(DEFINED_LATER)",
      DEFINED_LATER: "v",
    });
    expect(env[0]?.name).toBe("CFG_mode");
  });

  it("fails with Kubernetes' messages for missing sources, and skips optional ones", async () => {
    await expect(
      makeEnvironment(
        ctx({ name: "c", env: [{ name: "X", valueFrom: { configMapKeyRef: { name: "nope", key: "k" } } }] }),
      ),
    ).rejects.toThrow(new ContainerConfigError('configmap "nope" not found'));
    await expect(
      makeEnvironment(
        ctx({
          name: "c",
          env: [{ name: "X", valueFrom: { configMapKeyRef: { name: "settings", key: "k" } } }],
        }),
      ),
    ).rejects.toThrow("couldn't find key k in ConfigMap ns/settings");
    await expect(
      makeEnvironment(
        ctx({ name: "c", env: [{ name: "X", valueFrom: { fieldRef: { fieldPath: "spec.bogus" } } }] }),
      ),
    ).rejects.toThrow("unsupported fieldPath: spec.bogus");
    const env = await makeEnvironment(
      ctx({
        name: "c",
        env: [
          { name: "X", valueFrom: { configMapKeyRef: { name: "nope", key: "k", optional: true } } },
          { name: "Y", valueFrom: { configMapKeyRef: { name: "settings", key: "k", optional: true } } },
          { name: "Z", value: "z" },
        ],
      }),
    );
    expect(env).toEqual([{ name: "Z", value: "z" }]);
  });

  it("expands command and args with the final environment", () => {
    const env = [
      { name: "GREETING", value: "hello" },
      { name: "WHO", value: "world" },
    ];
    expect(expandCommand(["sh", "-c", "echo $(GREETING) $(WHO) $$(HOME)"], env)).toEqual([
      "sh",
      "-c",
      "echo hello world $(HOME)",
    ]);
    expect(expandCommand(undefined, env)).toBeUndefined();
  });
});
