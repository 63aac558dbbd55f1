import { describe, expect, it } from "vitest";
import { allComponents } from "./components.js";
import type { Binaries } from "./deps.js";
import { clusterPaths } from "./home.js";
import { resolveSettings } from "./settings.js";

const BINARIES: Binaries = {
  etcd: "/usr/bin/etcd",
  natsServer: "/usr/sbin/nats-server",
  containerd: "/usr/bin/containerd",
  dockerRegistry: "/usr/bin/docker-registry",
  node: "/usr/bin/node",
};
const paths = clusterPaths("/h");

describe("allComponents", () => {
  const settings = resolveSettings(undefined, { nodes: 2, portOffset: 100, clusterCidr: "100.64.160.0/19" });
  const components = allComponents(paths, settings);

  it("lists the control plane, then each node's containerd, kubelet and kube-proxy", () => {
    expect(components.map((c) => c.name)).toEqual([
      "etcd",
      "nats",
      "registry",
      "apiserver",
      "controller-manager",
      "scheduler",
      "containerd-ktl-node-1",
      "containerd-ktl-node-2",
      "kubelet-ktl-node-1",
      "kubelet-ktl-node-2",
      "kube-proxy-ktl-node-1",
      "kube-proxy-ktl-node-2",
    ]);
  });

  it("runs one kube-proxy per node on the node's address, in the chosen mode", () => {
    const proxies = components.filter((c) => c.kind === "kube-proxy");
    expect(proxies.map((c) => c.listens)).toEqual([
      [{ host: "127.0.1.1", port: 10356 }],
      [{ host: "127.0.1.2", port: 10356 }],
    ]);
    const args = proxies[0]!.command(BINARIES).args;
    const flag = (name: string) => args[args.indexOf(name) + 1];
    expect(args[0]).toMatch(/services\/kube-proxy\/dist\/main\.js$/);
    expect(flag("--proxy-mode")).toBe("userspace");
    expect(flag("--node-ip")).toBe("127.0.1.1");
    expect(flag("--cluster-cidr")).toBe("100.64.160.0/19");
  });

  it("puts every kubelet on one port, each on its own loopback address", () => {
    const kubelets = components.filter((c) => c.kind === "kubelet");
    expect(kubelets.map((c) => c.listens)).toEqual([
      [{ host: "127.0.1.1", port: 10350 }],
      [{ host: "127.0.1.2", port: 10350 }],
    ]);
    const { command, args } = kubelets[1]!.command(BINARIES);
    expect(command).toBe("/usr/bin/node");
    expect(args[0]).toMatch(/services\/kubelet\/dist\/main\.js$/);
    const flag = (name: string) => args[args.indexOf(name) + 1];
    expect(flag("--node-name")).toBe("ktl-node-2");
    expect(flag("--node-ip")).toBe("127.0.1.2");
    expect(flag("--apiserver")).toBe("127.0.0.1:8181");
    expect(flag("--container-runtime-endpoint")).toBe("/h/run/containerd-ktl-node-2.sock");
    expect(flag("--cni-conf-dir")).toBe("/h/nodes/ktl-node-2/cni/net.d");
    expect(flag("--cgroup-root")).toBe("/ktl/ktl-node-2");
    // The safety net guards the default range that holds the cluster's.
    expect(flag("--pod-range")).toBe("100.64.0.0/16");
  });

  it("binds the control plane to loopback on offset ports and hands the pod range to the controller-manager", () => {
    expect(
      components
        .flatMap((c) => c.listens)
        .filter((l) => l.host === "127.0.0.1")
        .map((l) => l.port),
    ).toEqual([2479, 2480, 4322, 8322, 5100, 8180, 8181, 10357, 10359]);
    const cm = components.find((c) => c.kind === "controller-manager")!.command(BINARIES).args;
    expect(cm[cm.indexOf("--cluster-cidr") + 1]).toBe("100.64.160.0/19");
    const nats = components.find((c) => c.kind === "nats")!.command(BINARIES).args;
    expect(nats).toEqual(expect.arrayContaining(["-js", "-sd", "/h/nats", "-a", "127.0.0.1"]));
    expect(components.find((c) => c.kind === "containerd")!.health).toEqual({
      kind: "cri",
      socket: "/h/run/containerd-ktl-node-1.sock",
    });
  });
});
