/**
 * Probes through a real kubelet process (fake runtime) and apiserver:
 * readiness follows an HTTP endpoint both ways, and a failing liveness
 * probe restarts the container.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findResource, type Pod } from "@ktl/api";
import { ApiClient } from "@ktl/client";
import { startKubelet, type KubeletProcess, until } from "@ktl/testing";
import { useApiserver } from "../cluster.js";

const PODS = findResource("", "pods")!;
const cluster = useApiserver();
let client: ApiClient;
let kubelet: KubeletProcess;
let server: Server;
let port = 0;
let status = 500;
let hits = 0;

beforeAll(async () => {
  server = createServer((_req, res) => {
    hits++;
    res.writeHead(status).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
  client = new ApiClient(cluster.apiserver.grpcAddress);
  kubelet = await startKubelet({
    apiserver: cluster.apiserver.grpcAddress,
    nodeName: "probed",
    runtime: "fake",
  });
});

afterAll(async () => {
  await kubelet?.stop();
  client?.close();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
});

const podReady = (p: Pod) => p.status?.conditions?.find((c) => c.type === "Ready")?.status;

describe("probes in a running kubelet", () => {
  it("readiness follows an httpGet probe: not ready on 500, ready on 200, not ready again on 500", async () => {
    status = 500;
    await client.create<Pod>(PODS, "default", {
      metadata: { name: "ready-web" },
      spec: {
        nodeName: "probed",
        containers: [
          {
            name: "web",
            image: "busybox",
            readinessProbe: {
              httpGet: { host: "127.0.0.1", port, path: "/ready" },
              periodSeconds: 1,
              failureThreshold: 1,
            },
          },
        ],
      },
    });
    const running = await until("Running", async () => {
      const p = await client.get<Pod>(PODS, "default", "ready-web");
      return p.status?.phase === "Running" ? p : undefined;
    });
    await until("the probe to be hit twice", async () => (hits >= 2 ? true : undefined));
    expect(podReady(await client.get<Pod>(PODS, "default", "ready-web"))).toBe("False");
    expect(running.status?.containerStatuses?.[0]?.ready).toBe(false);
    status = 200;
    await until("Ready", async () => {
      const p = await client.get<Pod>(PODS, "default", "ready-web");
      return podReady(p) === "True" && p.status?.containerStatuses?.[0]?.ready ? p : undefined;
    });
    status = 500;
    await until("not Ready again", async () => {
      const p = await client.get<Pod>(PODS, "default", "ready-web");
      return podReady(p) === "False" ? p : undefined;
    });
  });

  it("a failing liveness probe restarts the container", async () => {
    await client.create<Pod>(PODS, "default", {
      metadata: { name: "dies" },
      spec: {
        nodeName: "probed",
        containers: [
          {
            name: "c",
            image: "busybox",
            livenessProbe: {
              tcpSocket: { host: "127.0.0.1", port: 1 },
              periodSeconds: 1,
              failureThreshold: 2,
            },
          },
        ],
      },
    });
    const restarted = await until(
      "a restart",
      async () => {
        const p = await client.get<Pod>(PODS, "default", "dies");
        return (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1 ? p : undefined;
      },
      30_000,
    );
    const last = restarted.status?.containerStatuses?.[0]?.lastState?.terminated;
    expect(last).toBeDefined();
  });
});
