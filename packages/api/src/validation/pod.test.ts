import { describe, it, expect } from "vitest";
import { fieldErrorMessage } from "@ktl/apimachinery";
import type { Container, Pod, PodSpec } from "../gen/types.js";
import { applyDefaults } from "../defaults/index.js";
import { validateCreate, validateUpdate } from "./index.js";

/** A defaulted pod, as the apiserver validates it. */
function pod(spec: Partial<PodSpec> = {}, container: Partial<Container> = {}): Pod {
  const p: Pod = {
    metadata: { name: "web", namespace: "default" },
    spec: { containers: [{ name: "app", image: "nginx:1.27", ...container }], ...spec },
  };
  applyDefaults("Pod", p);
  return p;
}

const messages = (obj: unknown): string[] => validateCreate("Pod", obj).map(fieldErrorMessage);

describe("Pod create", () => {
  it("accepts a minimal defaulted pod", () => {
    expect(messages(pod())).toEqual([]);
  });

  it("requires containers", () => {
    expect(messages(pod({ containers: [] }))).toContain("spec.containers: Required value");
  });

  it("requires a DNS-1123 label container name, unique in the pod", () => {
    const p = pod({ containers: [{ name: "App_1", image: "x" }] });
    expect(messages(p)).toContain(
      `spec.containers[0].name: Invalid value: "App_1": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
    );
    const dup = pod({
      containers: [
        { name: "a", image: "x" },
        { name: "a", image: "y" },
      ],
    });
    expect(messages(dup)).toEqual(['spec.containers[1].name: Duplicate value: "a"']);
  });

  it("requires a container name and image", () => {
    const p = pod({ containers: [{}] });
    expect(messages(p)).toEqual([
      "spec.containers[0].name: Required value",
      "spec.containers[0].image: Required value",
    ]);
  });

  it("rejects an image with surrounding whitespace on pods", () => {
    expect(messages(pod({}, { image: " nginx" }))).toEqual([
      'spec.containers[0].image: Invalid value: " nginx": must not have leading or trailing whitespace',
    ]);
  });

  it("checks container ports: range, protocol, names", () => {
    expect(messages(pod({}, { ports: [{ containerPort: 80 }] }))).toEqual([]);
    expect(messages(pod({}, { ports: [{ containerPort: 70000 }] }))).toEqual([
      "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive",
    ]);
    expect(messages(pod({}, { ports: [{}] }))).toEqual([
      "spec.containers[0].ports[0].containerPort: Required value",
    ]);
    expect(messages(pod({}, { ports: [{ containerPort: 80, protocol: "HTTP" }] }))).toEqual([
      'spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
    ]);
    expect(messages(pod({}, { ports: [{ containerPort: 80, hostPort: 0 }] }))).toEqual([]);
    expect(messages(pod({}, { ports: [{ containerPort: 80, hostPort: -1 }] }))).toEqual([
      "spec.containers[0].ports[0].hostPort: Invalid value: -1: must be between 1 and 65535, inclusive",
    ]);
  });

  it("requires IANA_SVC_NAME port names, unique per container", () => {
    expect(messages(pod({}, { ports: [{ name: "http-web", containerPort: 80 }] }))).toEqual([]);
    expect(messages(pod({}, { ports: [{ name: "HTTP", containerPort: 80 }] }))).toEqual([
      'spec.containers[0].ports[0].name: Invalid value: "HTTP": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
    ]);
    expect(messages(pod({}, { ports: [{ name: "a-very-long-port-name", containerPort: 80 }] }))).toEqual([
      'spec.containers[0].ports[0].name: Invalid value: "a-very-long-port-name": must be no more than 15 characters',
    ]);
    expect(messages(pod({}, { ports: [{ name: "123", containerPort: 80 }] }))).toEqual([
      'spec.containers[0].ports[0].name: Invalid value: "123": must contain at least one letter (a-z)',
    ]);
    const dup = pod(
      {},
      {
        ports: [
          { name: "web", containerPort: 80 },
          { name: "web", containerPort: 81 },
        ],
      },
    );
    expect(messages(dup)).toEqual(['spec.containers[0].ports[1].name: Duplicate value: "web"']);
  });

  it("rejects host port conflicts across containers", () => {
    const p = pod({
      containers: [
        { name: "a", image: "x", ports: [{ containerPort: 80, hostPort: 8080 }] },
        { name: "b", image: "x", ports: [{ containerPort: 81, hostPort: 8080 }] },
      ],
    });
    expect(messages(p)).toEqual(['spec.containers[1].ports[0].hostPort: Duplicate value: "TCP//8080"']);
  });

  it("checks env var names and sources", () => {
    expect(messages(pod({}, { env: [{ name: "MY_VAR.x", value: "1" }] }))).toEqual([]);
    expect(messages(pod({}, { env: [{ name: "1BAD" }] }))).toEqual([
      `spec.containers[0].env[0].name: Invalid value: "1BAD": a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')`,
    ]);
    expect(messages(pod({}, { env: [{ name: "" }] }))).toEqual([
      "spec.containers[0].env[0].name: Required value",
    ]);
    expect(messages(pod({}, { env: [{ name: "A", valueFrom: {} }] }))).toEqual([
      'spec.containers[0].env[0].valueFrom: Invalid value: "": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`',
    ]);
    const both = {
      name: "A",
      value: "x",
      valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.name" } },
    };
    expect(messages(pod({}, { env: [both] }))).toEqual([
      'spec.containers[0].env[0].valueFrom: Invalid value: "": may not be specified when `value` is not empty',
    ]);
    const field = { name: "A", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "spec.bogus" } } };
    expect(messages(pod({}, { env: [field] }))[0]).toMatch(
      /^spec\.containers\[0\]\.env\[0\]\.valueFrom\.fieldRef\.fieldPath: Unsupported value: "spec\.bogus": supported values: "metadata\.name"/,
    );
    const key = { name: "A", valueFrom: { configMapKeyRef: { name: "cm", key: "" } } };
    expect(messages(pod({}, { env: [key] }))).toEqual([
      "spec.containers[0].env[0].valueFrom.configMapKeyRef.key: Required value",
    ]);
  });

  it("checks envFrom sources", () => {
    expect(messages(pod({}, { envFrom: [{ configMapRef: { name: "cm" } }] }))).toEqual([]);
    expect(messages(pod({}, { envFrom: [{}] }))).toEqual([
      'spec.containers[0].envFrom: Invalid value: "": must specify one of: `configMapRef` or `secretRef`',
    ]);
  });

  it("checks volumes: unique names, exactly one source", () => {
    const ok = pod(
      { volumes: [{ name: "data", emptyDir: {} }] },
      { volumeMounts: [{ name: "data", mountPath: "/data" }] },
    );
    expect(messages(ok)).toEqual([]);
    const dup = pod({
      volumes: [
        { name: "data", emptyDir: {} },
        { name: "data", emptyDir: {} },
      ],
    });
    expect(messages(dup)).toEqual(['spec.volumes[1].name: Duplicate value: "data"']);
    expect(messages(pod({ volumes: [{ name: "data" }] }))).toEqual([
      "spec.volumes[0]: Required value: must specify a volume type",
    ]);
    const two = pod({ volumes: [{ name: "data", emptyDir: {}, hostPath: { path: "/tmp" } }] });
    expect(messages(two)).toEqual([
      "spec.volumes[0].hostPath: Forbidden: may not specify more than 1 volume type",
    ]);
    expect(messages(pod({ volumes: [{ name: "Data", emptyDir: {} }] }))[0]).toMatch(
      /^spec\.volumes\[0\]\.name: Invalid value: "Data": a lowercase RFC 1123 label/,
    );
    expect(messages(pod({ volumes: [{ name: "c", configMap: {} }] }))).toEqual([
      "spec.volumes[0].configMap.name: Required value",
    ]);
    expect(
      messages(pod({ volumes: [{ name: "s", secret: { secretName: "s", defaultMode: 0o1777 } }] })),
    ).toEqual([
      "spec.volumes[0].secret.defaultMode: Invalid value: 1023: must be a number between 0 and 0777 (octal), both inclusive",
    ]);
    expect(messages(pod({ volumes: [{ name: "h", hostPath: { path: "/x", type: "Bogus" } }] }))[0]).toMatch(
      /^spec\.volumes\[0\]\.hostPath\.type: Unsupported value: "Bogus": supported values: "", "BlockDevice"/,
    );
  });

  it("requires volumeMounts to name a volume", () => {
    const p = pod({}, { volumeMounts: [{ name: "x", mountPath: "/x" }] });
    expect(messages(p)).toEqual(['spec.containers[0].volumeMounts[0].name: Not found: "x"']);
    const noPath = pod({ volumes: [{ name: "x", emptyDir: {} }] }, { volumeMounts: [{ name: "x" }] });
    expect(messages(noPath)).toEqual(["spec.containers[0].volumeMounts[0].mountPath: Required value"]);
    const twice = pod(
      { volumes: [{ name: "x", emptyDir: {} }] },
      {
        volumeMounts: [
          { name: "x", mountPath: "/x" },
          { name: "x", mountPath: "/x" },
        ],
      },
    );
    expect(messages(twice)).toEqual([
      'spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/x": must be unique',
    ]);
  });

  it("checks restartPolicy and dnsPolicy", () => {
    expect(messages(pod({ restartPolicy: "Sometimes" }))).toEqual([
      'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
    ]);
    expect(messages(pod({ restartPolicy: "OnFailure" }))).toEqual([]);
    expect(messages(pod({ dnsPolicy: "Custom" }))).toEqual([
      'spec.dnsPolicy: Unsupported value: "Custom": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"',
    ]);
  });

  it("requires the fields defaulting fills in", () => {
    const raw: Pod = {
      metadata: { name: "web", namespace: "default" },
      spec: { containers: [{ name: "a", image: "x" }] },
    };
    expect(messages(raw)).toEqual([
      "spec.containers[0].terminationMessagePolicy: Required value",
      "spec.containers[0].imagePullPolicy: Required value",
      "spec.restartPolicy: Required value",
      "spec.terminationGracePeriodSeconds: Required value",
      "spec.dnsPolicy: Required value",
    ]);
  });

  it("checks resource quantities and requests within limits", () => {
    expect(messages(pod({}, { resources: { limits: { cpu: "500m", memory: "128Mi" } } }))).toEqual([]);
    expect(messages(pod({}, { resources: { limits: { cpu: "lots" } } }))).toEqual([
      `spec.containers[0].resources.limits[cpu]: Invalid value: "lots": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
      `spec.containers[0].resources.requests[cpu]: Invalid value: "lots": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
    ]);
    expect(messages(pod({}, { resources: { requests: { cpu: "2" }, limits: { cpu: "1" } } }))).toEqual([
      'spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1',
    ]);
    expect(messages(pod({}, { resources: { requests: { memory: "-1Gi" } } }))).toEqual([
      'spec.containers[0].resources.requests[memory]: Invalid value: "-1Gi": must be greater than or equal to 0',
    ]);
    expect(messages(pod({}, { resources: { requests: { gpu: "1" } } }))).toEqual([
      'spec.containers[0].resources.requests[gpu]: Invalid value: "gpu": must be a standard resource type or fully qualified',
      'spec.containers[0].resources.requests[gpu]: Invalid value: "gpu": must be a standard resource for containers',
    ]);
    expect(messages(pod({}, { resources: { requests: { "example.com/gpu": "1" } } }))).toEqual([
      "spec.containers[0].resources.limits: Required value: Limit must be set for non overcommitable resources",
    ]);
  });

  it("checks probes: one handler, thresholds", () => {
    const ok = { httpGet: { port: 8080 } };
    expect(messages(pod({}, { livenessProbe: ok, readinessProbe: { tcpSocket: { port: "http" } } }))).toEqual(
      [],
    );
    expect(messages(pod({}, { livenessProbe: {} }))).toEqual([
      "spec.containers[0].livenessProbe: Required value: must specify a handler type",
    ]);
    expect(
      messages(pod({}, { livenessProbe: { exec: { command: ["true"] }, httpGet: { port: 80 } } })),
    ).toEqual([
      "spec.containers[0].livenessProbe.httpGet: Forbidden: may not specify more than 1 handler type",
    ]);
    expect(messages(pod({}, { livenessProbe: { ...ok, successThreshold: 2 } }))).toEqual([
      "spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1",
    ]);
    expect(messages(pod({}, { readinessProbe: { ...ok, periodSeconds: -1 } }))).toEqual([
      "spec.containers[0].readinessProbe.periodSeconds: Invalid value: -1: must be greater than or equal to 0",
    ]);
    expect(messages(pod({}, { readinessProbe: { httpGet: { port: 0 } } }))).toEqual([
      "spec.containers[0].readinessProbe.httpGet.port: Invalid value: 0: must be between 1 and 65535, inclusive",
    ]);
    expect(messages(pod({}, { startupProbe: { exec: {} } }))).toEqual([
      "spec.containers[0].startupProbe.exec.command: Required value",
    ]);
  });

  it("forbids probes and hooks on init containers", () => {
    const p = pod({
      initContainers: [{ name: "init", image: "x", readinessProbe: { exec: { command: ["true"] } } }],
    });
    expect(messages(p)).toEqual([
      "spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers without restartPolicy=Always",
    ]);
    const dup = pod({ initContainers: [{ name: "app", image: "x" }] });
    expect(messages(dup)).toEqual(['spec.initContainers[0].name: Duplicate value: "app"']);
  });

  it("checks tolerations", () => {
    expect(
      messages(pod({ tolerations: [{ key: "k", operator: "Equal", value: "v", effect: "NoSchedule" }] })),
    ).toEqual([]);
    expect(messages(pod({ tolerations: [{ operator: "Exists" }] }))).toEqual([]);
    expect(messages(pod({ tolerations: [{ key: "k", operator: "Maybe" }] }))).toEqual([
      'spec.tolerations[0].operator: Unsupported value: "Maybe": supported values: "Equal", "Exists"',
    ]);
    expect(messages(pod({ tolerations: [{ key: "k", effect: "NoWay" }] }))).toEqual([
      'spec.tolerations[0].effect: Unsupported value: "NoWay": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
    ]);
    expect(messages(pod({ tolerations: [{ operator: "Equal", value: "v" }] }))).toEqual([
      'spec.tolerations[0].operator: Invalid value: "Equal": operator must be Exists when `key` is empty, which means "match all values and all keys"',
    ]);
    expect(messages(pod({ tolerations: [{ key: "k", operator: "Exists", tolerationSeconds: 5 }] }))).toEqual([
      `spec.tolerations[0].effect: Invalid value: "": effect must be 'NoExecute' when \`tolerationSeconds\` is set`,
    ]);
  });

  it("checks nodeSelector label syntax", () => {
    expect(messages(pod({ nodeSelector: { "kubernetes.io/os": "linux" } }))).toEqual([]);
    expect(messages(pod({ nodeSelector: { "bad key": "v" } }))[0]).toMatch(
      /^spec\.nodeSelector: Invalid value: "bad key": name part must consist of/,
    );
    expect(messages(pod({ nodeSelector: { disk: "not ok" } }))[0]).toMatch(
      /^spec\.nodeSelector: Invalid value: "not ok": a valid label must be/,
    );
  });

  it("checks activeDeadlineSeconds and node affinity", () => {
    expect(messages(pod({ activeDeadlineSeconds: 0 }))).toEqual([
      "spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive",
    ]);
    const affinity = {
      nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } },
    };
    expect(messages(pod({ affinity }))).toEqual([
      "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms: Required value: must have at least one node selector term",
    ]);
  });

  it("reports wrong JSON types without running the other rules", () => {
    const spec = { ...pod().spec, containers: "nginx" };
    expect(messages({ metadata: { name: "web", namespace: "default" }, spec })).toEqual([
      'spec.containers: Invalid value: "nginx": must be of type array',
    ]);
    expect(
      messages({ metadata: { name: "web", namespace: "default", labels: { app: 1 } }, spec: pod().spec }),
    ).toEqual(["metadata.labels[app]: Invalid value: 1: must be of type string"]);
  });
});

describe("Pod update", () => {
  const old = pod({ tolerations: [{ key: "a", operator: "Exists" }] });
  const updated = (change: (p: Pod) => void): Pod => {
    const p = structuredClone(old);
    change(p);
    return p;
  };
  const updateMessages = (p: Pod): string[] => validateUpdate("Pod", p, old).map(fieldErrorMessage);

  it("allows changing images, adding tolerations and setting a deadline", () => {
    const p = updated((x) => {
      const c = x.spec?.containers?.[0];
      if (c) c.image = "nginx:1.28";
      x.spec?.tolerations?.push({ key: "b", operator: "Exists" });
      if (x.spec) x.spec.activeDeadlineSeconds = 60;
    });
    expect(updateMessages(p)).toEqual([]);
  });

  it("forbids other spec changes", () => {
    const p = updated((x) => {
      if (x.spec) x.spec.restartPolicy = "Never";
    });
    expect(updateMessages(p)).toEqual([
      "spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
    ]);
  });

  it("forbids removing tolerations and adding containers", () => {
    expect(updateMessages(updated((x) => x.spec && (x.spec.tolerations = [])))).toEqual([
      "spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds",
    ]);
    const more = updated((x) => x.spec?.containers?.push({ ...x.spec.containers[0], name: "b" }));
    expect(updateMessages(more)).toEqual([
      "spec.containers: Forbidden: pod updates may not add or remove containers",
    ]);
  });

  it("keeps the name, namespace and uid", () => {
    const renamed = updated((x) => x.metadata && (x.metadata.name = "other"));
    expect(updateMessages(renamed)).toEqual(['metadata.name: Invalid value: "other": field is immutable']);
  });

  it("only lets activeDeadlineSeconds shrink", () => {
    const withDeadline = pod({ activeDeadlineSeconds: 30 });
    const raised = structuredClone(withDeadline);
    if (raised.spec) raised.spec.activeDeadlineSeconds = 60;
    expect(validateUpdate("Pod", raised, withDeadline).map(fieldErrorMessage)).toEqual([
      "spec.activeDeadlineSeconds: Invalid value: 60: must be less than or equal to previous value",
    ]);
  });
});
