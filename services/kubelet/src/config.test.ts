import { describe, expect, it } from "vitest";
import { loadConfig, parseBytes, parseLabels, parseTaints } from "./config.js";

describe("loadConfig", () => {
  it("has Kubernetes-like defaults, directories below the root", () => {
    const c = loadConfig(["--node-name", "node-1"], {});
    expect(c).toMatchObject({
      apiserver: "127.0.0.1:8081",
      nodeName: "node-1",
      nodeIp: "127.0.0.1",
      port: 10250,
      runtime: "cri",
      rootDir: "/var/lib/ktl/kubelet/node-1",
      podsDir: "/var/lib/ktl/kubelet/node-1/pods",
      podLogsDir: "/var/lib/ktl/kubelet/node-1/logs",
      cniConfDir: "/var/lib/ktl/kubelet/node-1/cni/net.d",
      cgroupRoot: "/ktl/node-1",
      maxPods: 110,
      nodeStatusReportMs: 60_000,
      nodeStatusUpdateMs: 10_000,
      crashLoopBackOff: { initialMs: 10_000, maxMs: 300_000 },
      imagePullBackOff: { initialMs: 10_000, maxMs: 300_000 },
      hollowNodes: 0,
      podRange: "100.64.0.0/16",
      serviceRange: "100.96.0.0/16",
    });
    expect(c.cpu).toBeGreaterThan(0);
    expect(c.memoryBytes).toBeGreaterThan(0);
  });

  it("takes flags over KTL_KUBELET_* over defaults", () => {
    const env = { KTL_KUBELET_NODE_NAME: "from-env", KTL_KUBELET_PORT: "0", KTL_KUBELET_RUNTIME: "fake" };
    const c = loadConfig(
      [
        "--node-name=from-flag",
        "--root-dir",
        "/tmp/k",
        "--memory",
        "8Gi",
        "--cpu",
        "4",
        "--node-labels",
        "zone=a,node-role.kubernetes.io/worker=",
        "--register-with-taints",
        "dedicated=infra:NoSchedule,spot:PreferNoSchedule",
        "--node-status-report-seconds",
        "5",
        "--hollow-nodes",
        "3",
      ],
      env,
    );
    expect(c).toMatchObject({
      nodeName: "from-flag",
      port: 0,
      runtime: "fake",
      podsDir: "/tmp/k/pods",
      podLogsDir: "/tmp/k/logs",
      memoryBytes: 8 * 2 ** 30,
      cpu: 4,
      nodeLabels: { zone: "a", "node-role.kubernetes.io/worker": "" },
      registerWithTaints: [
        { key: "dedicated", value: "infra", effect: "NoSchedule" },
        { key: "spot", effect: "PreferNoSchedule" },
      ],
      nodeStatusReportMs: 5000,
      hollowNodes: 3,
    });
  });

  it("lists every bad setting at once", () => {
    let message = "";
    try {
      loadConfig(
        [
          "--node-name",
          "Bad_Name",
          "--runtime",
          "docker",
          "--memory",
          "lots",
          "--port",
          "70000",
          "--node-labels",
          "x",
        ],
        {},
      );
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain("invalid configuration");
    expect(message).toContain("nodeName");
    expect(message).toContain("runtime");
    expect(message).toContain("memoryBytes");
    expect(message).toContain("port");
    expect(message).toContain("nodeLabels");
  });

  it("refuses hollow nodes without the fake runtime, and unknown flags", () => {
    expect(() => loadConfig(["--node-name", "n", "--hollow-nodes", "2"], {})).toThrow(
      "hollow nodes need --runtime fake",
    );
    expect(() => loadConfig(["--no-such-flag"], {})).toThrow();
  });

  it("takes host-gw pod routes and the node interface, only with the CRI runtime", () => {
    expect(loadConfig(["--node-name", "n"], {})).toMatchObject({
      podRoutes: "none",
      nodeInterface: undefined,
    });
    expect(
      loadConfig(["--node-name", "n", "--pod-routes", "host-gw"], { KTL_KUBELET_NODE_INTERFACE: "eth0" }),
    ).toMatchObject({ podRoutes: "host-gw", nodeInterface: "eth0" });
    expect(() => loadConfig(["--node-name", "n", "--pod-routes", "bgp"], {})).toThrow("podRoutes");
    expect(() => loadConfig(["--node-name", "n", "--node-interface", "eth0; reboot"], {})).toThrow(
      "must be an interface name",
    );
    expect(() =>
      loadConfig(["--node-name", "n", "--runtime", "fake", "--pod-routes", "host-gw"], {}),
    ).toThrow("pod routes need --runtime cri");
  });
});

describe("flag values", () => {
  it("parses memory quantities", () => {
    expect(parseBytes("512Mi")).toBe(512 * 2 ** 20);
    expect(parseBytes("2G")).toBe(2e9);
    expect(parseBytes("1024")).toBe(1024);
    expect(() => parseBytes("2 gigs")).toThrow();
    expect(() => parseBytes("2ki")).toThrow();
  });

  it("parses labels and taints", () => {
    expect(parseLabels(" a=1 , b=")).toEqual({ a: "1", b: "" });
    expect(() => parseLabels("=x")).toThrow();
    expect(() => parseTaints("a=b:Sometimes")).toThrow("effect must be one of");
    expect(() => parseTaints("novalue")).toThrow();
  });
});
