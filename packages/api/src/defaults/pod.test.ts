import { describe, it, expect } from "vitest";
import type { Deployment, Pod } from "../gen/types.js";
import { applyDefaults, defaultPullPolicy } from "./index.js";

describe("imagePullPolicy default", () => {
  it("is Always for latest or untagged images, IfNotPresent otherwise", () => {
    expect(defaultPullPolicy("nginx")).toBe("Always");
    expect(defaultPullPolicy("nginx:latest")).toBe("Always");
    expect(defaultPullPolicy("registry.local:5000/team/app")).toBe("Always");
    expect(defaultPullPolicy("nginx:1.27")).toBe("IfNotPresent");
    expect(defaultPullPolicy("registry.local:5000/team/app:v2")).toBe("IfNotPresent");
    expect(
      defaultPullPolicy("nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
    ).toBe("IfNotPresent");
    expect(defaultPullPolicy("")).toBe("IfNotPresent");
  });
});

describe("Pod defaults", () => {
  it("fills in the pod spec and container defaults", () => {
    const pod: Pod = {
      metadata: { name: "web" },
      spec: { containers: [{ name: "web", image: "nginx", ports: [{ containerPort: 80 }] }] },
    };
    applyDefaults("Pod", pod);
    expect(pod.spec).toEqual({
      containers: [
        {
          name: "web",
          image: "nginx",
          ports: [{ containerPort: 80, protocol: "TCP" }],
          imagePullPolicy: "Always",
          terminationMessagePath: "/dev/termination-log",
          terminationMessagePolicy: "File",
          resources: {},
        },
      ],
      restartPolicy: "Always",
      dnsPolicy: "ClusterFirst",
      schedulerName: "default-scheduler",
      terminationGracePeriodSeconds: 30,
      securityContext: {},
      enableServiceLinks: true,
    });
    expect(pod.status).toBeUndefined();
  });

  it("keeps values that are set", () => {
    const pod: Pod = {
      spec: {
        restartPolicy: "Never",
        dnsPolicy: "Default",
        terminationGracePeriodSeconds: 0,
        enableServiceLinks: false,
        containers: [
          {
            name: "a",
            image: "x:1",
            imagePullPolicy: "Never",
            terminationMessagePolicy: "FallbackToLogsOnError",
          },
        ],
      },
    };
    applyDefaults("Pod", pod);
    expect(pod.spec).toMatchObject({
      restartPolicy: "Never",
      dnsPolicy: "Default",
      terminationGracePeriodSeconds: 0,
      enableServiceLinks: false,
    });
    expect(pod.spec?.containers?.[0]).toMatchObject({
      imagePullPolicy: "Never",
      terminationMessagePolicy: "FallbackToLogsOnError",
    });
  });

  it("defaults probes and their HTTP actions", () => {
    const pod: Pod = {
      spec: {
        containers: [
          {
            name: "a",
            image: "x",
            livenessProbe: { httpGet: { port: 8080 } },
            readinessProbe: { exec: { command: ["true"] }, periodSeconds: 5 },
          },
        ],
      },
    };
    applyDefaults("Pod", pod);
    const c = pod.spec?.containers?.[0];
    expect(c?.livenessProbe).toEqual({
      httpGet: { port: 8080, path: "/", scheme: "HTTP" },
      timeoutSeconds: 1,
      periodSeconds: 10,
      successThreshold: 1,
      failureThreshold: 3,
    });
    expect(c?.readinessProbe).toMatchObject({ periodSeconds: 5, timeoutSeconds: 1, failureThreshold: 3 });
  });

  it("defaults requests to limits", () => {
    const pod: Pod = {
      spec: {
        containers: [
          {
            name: "a",
            image: "x",
            resources: { limits: { cpu: "1", memory: "1Gi" }, requests: { cpu: "100m" } },
          },
        ],
        initContainers: [{ name: "i", image: "x", resources: { limits: { cpu: "2" } } }],
      },
    };
    applyDefaults("Pod", pod);
    expect(pod.spec?.containers?.[0]?.resources?.requests).toEqual({ cpu: "100m", memory: "1Gi" });
    expect(pod.spec?.initContainers?.[0]?.resources?.requests).toEqual({ cpu: "2" });
  });

  it("defaults an env fieldRef's apiVersion to v1, as Kubernetes", () => {
    const pod: Pod = {
      spec: {
        containers: [
          {
            name: "a",
            image: "x",
            env: [
              { name: "POD", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
              { name: "PLAIN", value: "1" },
            ],
          },
        ],
      },
    };
    applyDefaults("Pod", pod);
    expect(pod.spec?.containers?.[0]?.env).toEqual([
      { name: "POD", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.name" } } },
      { name: "PLAIN", value: "1" },
    ]);
  });

  it("mirrors containerPort into hostPort with hostNetwork", () => {
    const pod: Pod = {
      spec: { hostNetwork: true, containers: [{ name: "a", image: "x", ports: [{ containerPort: 53 }] }] },
    };
    applyDefaults("Pod", pod);
    expect(pod.spec?.containers?.[0]?.ports?.[0]).toEqual({
      containerPort: 53,
      hostPort: 53,
      protocol: "TCP",
    });
  });

  it("survives null fields and malformed bodies", () => {
    const pod = { spec: { securityContext: null, containers: [{ name: "a", image: "x", resources: null }] } };
    applyDefaults("Pod", pod);
    expect(pod.spec.securityContext).toEqual({});
    expect(pod.spec.containers[0]?.resources).toEqual({});
    expect(() => applyDefaults("Pod", { spec: "nope" })).not.toThrow();
    expect(() => applyDefaults("Pod", null)).not.toThrow();
  });

  it("gives templates the pod spec defaults but not the pod-only ones", () => {
    const d: Deployment = {
      spec: {
        template: {
          spec: { containers: [{ name: "a", image: "x:1", resources: { limits: { cpu: "1" } } }] },
        },
      },
    };
    applyDefaults("Deployment", d);
    const spec = d.spec?.template?.spec;
    expect(spec).toMatchObject({
      restartPolicy: "Always",
      dnsPolicy: "ClusterFirst",
      terminationGracePeriodSeconds: 30,
    });
    expect(spec?.containers?.[0]?.imagePullPolicy).toBe("IfNotPresent");
    // Kubernetes keeps these to Pods so that stored templates do not change when defaults do.
    expect(spec?.enableServiceLinks).toBeUndefined();
    expect(spec?.containers?.[0]?.resources?.requests).toBeUndefined();
  });
});
