/**
 * Bodies exactly as kubectl sends them (`--dry-run=client -o json`, plus the
 * namespace the apiserver takes from the URL): defaulted, they must validate.
 */
import { describe, it, expect } from "vitest";
import { fieldErrorMessage } from "@ktl/apimachinery";
import { applyDefaults } from "../defaults/index.js";
import { validateCreate, validateUpdate } from "./index.js";

function accept(kind: string, body: Record<string, unknown>): string[] {
  const obj = structuredClone(body);
  applyDefaults(kind, obj);
  return validateCreate(kind, obj).map(fieldErrorMessage);
}

describe("objects written by kubectl", () => {
  it("kubectl create deployment", () => {
    const body = {
      kind: "Deployment",
      apiVersion: "apps/v1",
      metadata: { name: "web", namespace: "default", creationTimestamp: null, labels: { app: "web" } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: "web" } },
        template: {
          metadata: { creationTimestamp: null, labels: { app: "web" } },
          spec: { containers: [{ name: "nginx", image: "nginx", resources: {} }] },
        },
        strategy: {},
      },
      status: {},
    };
    expect(accept("Deployment", body)).toEqual([]);
  });

  it("kubectl run", () => {
    const body = {
      kind: "Pod",
      apiVersion: "v1",
      metadata: { name: "web", namespace: "default", creationTimestamp: null, labels: { run: "web" } },
      spec: {
        containers: [{ name: "web", image: "nginx", ports: [{ containerPort: 80 }], resources: {} }],
        restartPolicy: "Always",
        dnsPolicy: "ClusterFirst",
      },
      status: {},
    };
    expect(accept("Pod", body)).toEqual([]);
  });

  it("kubectl expose and kubectl create service nodeport", () => {
    const expose = {
      kind: "Service",
      apiVersion: "v1",
      metadata: { name: "web", namespace: "default", creationTimestamp: null, labels: { app: "web" } },
      spec: { ports: [{ port: 80, protocol: "TCP", targetPort: 80 }], selector: { app: "web" } },
      status: { loadBalancer: {} },
    };
    expect(accept("Service", expose)).toEqual([]);
    const nodePort = {
      ...expose,
      spec: {
        ports: [{ name: "80-80", port: 80, protocol: "TCP", targetPort: 80 }],
        selector: { app: "web" },
        type: "NodePort",
      },
    };
    expect(accept("Service", nodePort)).toEqual([]);
  });

  it("kubectl create configmap and namespace", () => {
    const cm = {
      kind: "ConfigMap",
      apiVersion: "v1",
      metadata: { name: "cfg", namespace: "default", creationTimestamp: null },
      data: { "app.properties": "a=b\n" },
    };
    expect(accept("ConfigMap", cm)).toEqual([]);
    const ns = {
      kind: "Namespace",
      apiVersion: "v1",
      metadata: { name: "team-a", creationTimestamp: null },
      spec: {},
      status: {},
    };
    expect(accept("Namespace", ns)).toEqual([]);
  });

  it("kubectl scale and set image on a stored deployment", () => {
    const stored = {
      metadata: { name: "web", namespace: "default", uid: "u1", resourceVersion: "7", generation: 1 },
      spec: {
        selector: { matchLabels: { app: "web" } },
        template: {
          metadata: { labels: { app: "web" } },
          spec: { containers: [{ name: "nginx", image: "nginx" }] },
        },
      },
    };
    applyDefaults("Deployment", stored);
    const next = structuredClone(stored);
    next.spec.template.spec.containers[0] = {
      ...next.spec.template.spec.containers[0],
      name: "nginx",
      image: "nginx:1.27",
    };
    Object.assign(next.spec, { replicas: 3 });
    expect(validateUpdate("Deployment", next, stored)).toEqual([]);
  });
});
