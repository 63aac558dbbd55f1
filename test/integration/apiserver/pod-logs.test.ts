// pods/{name}/log end to end through the apiserver: the real kubectl asks the
// apiserver, which finds the pod's Node and streams from that node's kubelet
// log endpoint (here the kubelet's real log server over files we write).
import { createServer, type Server } from "node:http";
import { appendFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { badRequest } from "@ktl/apimachinery";
import {
  formatCriLogLine,
  serveContainerLogs,
  type LogLocation,
} from "../../../services/kubelet/src/index.js";
import { KubectlRunner } from "../../e2e/kubectl-runner.js";
import { useApiserver } from "../cluster.js";

const cluster = useApiserver();
let dir: string;
let kubelet: Server;
let kubectl: KubectlRunner;
let running = true;
const NS = "default";

const logLine = (content: string, stream: "stdout" | "stderr" = "stdout"): string =>
  formatCriLogLine({ time: new Date(), stream, content });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ktl-podlogs-"));
  await writeFile(join(dir, "web-0.log"), logLine("first run") + logLine("crashed", "stderr"));
  await writeFile(join(dir, "web-1.log"), logLine("one") + logLine("two") + logLine("three"));
  kubelet = createServer((req, res) => {
    void serveContainerLogs(req, res, ({ pod, container, previous }): Promise<LogLocation> => {
      if (container === "side") {
        throw badRequest(`container "side" in pod "${pod}" is waiting to start: ContainerCreating`);
      }
      return Promise.resolve({
        path: join(dir, previous ? "web-0.log" : "web-1.log"),
        isRunning: () => Promise.resolve(running),
      });
    });
  });
  await new Promise<void>((resolve) => kubelet.listen(0, "127.0.0.1", resolve));
  const port = (kubelet.address() as AddressInfo).port;

  const { api } = cluster;
  expect((await api.post("/api/v1/nodes", { metadata: { name: "n1" } })).status).toBe(201);
  const node = await api.get("/api/v1/nodes/n1");
  node.body.status = {
    addresses: [{ type: "InternalIP", address: "127.0.0.1" }],
    daemonEndpoints: { kubeletEndpoint: { Port: port } },
  };
  expect((await api.put("/api/v1/nodes/n1/status", node.body)).status).toBe(200);
  const pod = (name: string, nodeName?: string, containers = ["web"]) => ({
    metadata: { name },
    spec: { nodeName, containers: containers.map((c) => ({ name: c, image: "busybox" })) },
  });
  for (const body of [pod("single", "n1"), pod("pair", "n1", ["web", "side"]), pod("pending")]) {
    expect((await api.post(`/api/v1/namespaces/${NS}/pods`, body)).status).toBe(201);
  }
  kubectl = await KubectlRunner.create(cluster.apiserver.url);
});

afterAll(async () => {
  await new Promise((resolve) => kubelet?.close(resolve));
  await kubectl?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("pods/log", () => {
  it("kubectl logs prints the container's log through the apiserver", async () => {
    const r = await kubectl.run(["logs", "single"]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("one\ntwo\nthree\n");
    expect((await kubectl.run(["logs", "single", "--tail=1"])).stdout).toBe("three\n");
    expect((await kubectl.run(["logs", "single", "--previous"])).stdout).toBe("first run\ncrashed\n");
    const stamped = await kubectl.run(["logs", "single", "--timestamps", "--tail=1"]);
    expect(stamped.stdout).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z three\n$/);
  });

  it("follows until the container stops", async () => {
    running = true;
    const follow = kubectl.run(["logs", "-f", "single"]);
    await new Promise((r) => setTimeout(r, 500));
    await appendFile(join(dir, "web-1.log"), logLine("four"));
    running = false;
    const r = await follow;
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("one\ntwo\nthree\nfour\n");
  });

  it("asks for a container name when the pod has several", async () => {
    const r = await cluster.api.get(`/api/v1/namespaces/${NS}/pods/pair/log`);
    expect(r.status).toBe(400);
    expect(r.body.message).toBe("a container name must be specified for pod pair, choose one of: [web side]");
    // kubectl itself picks the first container and says so.
    const defaulted = await kubectl.run(["logs", "pair", "--tail=1"]);
    expect(defaulted.stderr).toContain('Defaulted container "web" out of: web, side');
    expect((await kubectl.run(["logs", "pair", "-c", "web", "--tail=1"])).stdout).toBe("four\n");
  });

  it("passes the kubelet's own errors through", async () => {
    const r = await kubectl.run(["logs", "pair", "-c", "side"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('container "side" in pod "pair" is waiting to start: ContainerCreating');
  });

  it("refuses pods without a node, unknown containers and bad options", async () => {
    const { api } = cluster;
    const pending = await api.get(`/api/v1/namespaces/${NS}/pods/pending/log`);
    expect(pending.status).toBe(400);
    expect(pending.body.message).toBe("pod pending does not have a host assigned");
    const unknown = await api.get(`/api/v1/namespaces/${NS}/pods/single/log?container=nope`);
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toBe("container nope is not valid for pod single");
    const badTail = await api.get(`/api/v1/namespaces/${NS}/pods/single/log?tailLines=-1`);
    expect(badTail.status).toBe(422);
    expect(badTail.body.details.causes[0].field).toBe("tailLines");
    const missing = await api.get(`/api/v1/namespaces/${NS}/pods/ghost/log`);
    expect(missing.status).toBe(404);
  });

  it("says so when the kubelet cannot be reached", async () => {
    const { api } = cluster;
    const node = await api.get("/api/v1/nodes/n1");
    node.body.status.daemonEndpoints.kubeletEndpoint.Port = 1;
    expect((await api.put("/api/v1/nodes/n1/status", node.body)).status).toBe(200);
    const r = await api.get(`/api/v1/namespaces/${NS}/pods/single/log`);
    expect(r.status).toBe(500);
    expect(r.body.message).toContain("error reaching the kubelet at 127.0.0.1:1");
  });
});
