import { describe, it, expect } from "vitest";
import { fieldErrorMessage } from "@ktl/apimachinery";
import type { Container, Pod, PodSpec } from "../gen/types.js";
import { applyDefaults } from "../defaults/index.js";
import { validateCreate } from "./index.js";

function pod(spec: Partial<PodSpec> = {}, container: Partial<Container> = {}): Pod {
  const p: Pod = {
    metadata: { name: "web", namespace: "default" },
    spec: { containers: [{ name: "app", image: "nginx:1.27", ...container }], ...spec },
  };
  applyDefaults("Pod", p);
  return p;
}

const messages = (obj: unknown): string[] => validateCreate("Pod", obj).map(fieldErrorMessage);

describe("pod spec details", () => {
  it("requires hostPort to equal containerPort with hostNetwork", () => {
    expect(messages(pod({ hostNetwork: true }, { ports: [{ containerPort: 53 }] }))).toEqual([]);
    expect(messages(pod({ hostNetwork: true }, { ports: [{ containerPort: 53, hostPort: 5353 }] }))).toEqual([
      "spec.containers[0].ports[0].hostPort: Invalid value: 5353: must match `containerPort` when `hostNetwork` is true",
    ]);
  });

  it("checks lifecycle handlers", () => {
    expect(messages(pod({}, { lifecycle: { preStop: { exec: { command: ["sleep", "5"] } } } }))).toEqual([]);
    expect(messages(pod({}, { lifecycle: { postStart: {} } }))).toEqual([
      "spec.containers[0].lifecycle.postStart: Required value: must specify a handler type",
    ]);
  });

  it("checks security contexts", () => {
    expect(
      messages(
        pod(
          { securityContext: { runAsUser: 1000, fsGroup: 2000 } },
          { securityContext: { runAsNonRoot: true } },
        ),
      ),
    ).toEqual([]);
    expect(messages(pod({ securityContext: { runAsUser: -1 } }))).toEqual([
      "spec.securityContext.runAsUser: Invalid value: -1: must be between 0 and 2147483647, inclusive",
    ]);
    expect(
      messages(pod({}, { securityContext: { privileged: true, allowPrivilegeEscalation: false } })),
    ).toEqual([
      'spec.containers[0].securityContext: Invalid value: {"privileged":true,"allowPrivilegeEscalation":false}: cannot set `allowPrivilegeEscalation` to false and `privileged` to true',
    ]);
  });

  it("checks pod affinity and topology spread", () => {
    const term = { labelSelector: { matchLabels: { app: "web" } }, topologyKey: "kubernetes.io/hostname" };
    expect(
      messages(
        pod({ affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } } }),
      ),
    ).toEqual([]);
    const noKey = {
      podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: {} }] },
    };
    expect(messages(pod({ affinity: noKey }))).toContain(
      "spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: Required value: can not be empty",
    );
    const spread = { maxSkew: 1, topologyKey: "zone", whenUnsatisfiable: "DoNotSchedule" };
    expect(messages(pod({ topologySpreadConstraints: [spread] }))).toEqual([]);
    expect(
      messages(pod({ topologySpreadConstraints: [{ ...spread, maxSkew: 0, whenUnsatisfiable: "Never" }] })),
    ).toEqual([
      "spec.topologySpreadConstraints[0].maxSkew: Invalid value: 0: must be greater than zero",
      'spec.topologySpreadConstraints[0].whenUnsatisfiable: Unsupported value: "Never": supported values: "DoNotSchedule", "ScheduleAnyway"',
    ]);
  });

  it("checks names the pod refers to", () => {
    expect(
      messages(
        pod({ serviceAccountName: "builder", nodeName: "node-1", hostname: "web-0", subdomain: "web" }),
      ),
    ).toEqual([]);
    expect(messages(pod({ nodeName: "Node_1" }))[0]).toMatch(
      /^spec\.nodeName: Invalid value: "Node_1": a lowercase RFC 1123 subdomain/,
    );
    expect(messages(pod({ dnsPolicy: "None" }))).toEqual([
      "spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None",
    ]);
  });
});
