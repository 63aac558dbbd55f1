/**
 * host-gw pod routes across two "machines", for real: each machine is a
 * network namespace with a ktl bridge, a /24 and one pod namespace behind it;
 * the machines share one link (TEST-NET-2 addresses, inside the namespaces
 * only). Each runs the host safety guard with that link as its node
 * interface and syncs its routes from a Node list (m1 through the kubelet's
 * PodRoutes controller, m2 through the bare syncer). Nothing is created in
 * the host's root namespace: every command runs with `ip -n` / `ip netns
 * exec`, and the root namespace's routes are compared before and after.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Node } from "@ktl/api";
import { FakeApiClient } from "@ktl/client";
import { FakeListerWatcher } from "@ktl/informers";
import { GUARD_TABLE, PodRouteSyncer, ensureHostSafety, netnsRunner } from "@ktl/node-network";
import { PodRoutes } from "../../../services/kubelet/src/node/pod-routes.js";
import { NetCleanup, cleanupAll, pings, sh } from "./net-helpers.js";

const id = randomBytes(3).toString("hex");
const cleanup = new NetCleanup();
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const SERVER_PORT = 8080;

interface Machine {
  readonly ns: string;
  readonly pod: string;
  readonly nodeIp: string;
  readonly podCidr: string;
  readonly podIp: string;
}

const m1: Machine = machine(1, "198.51.100.1", 221);
const m2: Machine = machine(2, "198.51.100.2", 222);

function machine(i: number, nodeIp: string, subnet: number): Machine {
  return {
    ns: `ktl-pr-${id}-m${i}`,
    pod: `ktl-pr-${id}-p${i}`,
    nodeIp,
    podCidr: `100.64.${subnet}.0/24`,
    podIp: `100.64.${subnet}.2`,
  };
}

function nodeObject(name: string, podCIDR: string, ip: string, rv: string): Node {
  return {
    metadata: { name, uid: `uid-${name}`, resourceVersion: rv },
    spec: { podCIDR },
    status: { addresses: [{ type: "InternalIP", address: ip }] },
  };
}

const nodeA = nodeObject("node-a", m1.podCidr, m1.nodeIp, "1");
const nodeB = nodeObject("node-b", m2.podCidr, m2.nodeIp, "2");
// A node of the local-cluster kind (loopback address): never routed.
const nodeLocal = nodeObject("node-local", "100.64.223.0/24", "127.0.1.9", "3");

/** A machine's bridge (the node's pod gateway) and its pod on it. */
async function podNetwork(m: Machine): Promise<void> {
  const bridge = `ktl${id}`;
  const gateway = m.podCidr.replace(/0\/24$/, "1");
  await sh("ip", "-n", m.ns, "link", "add", bridge, "type", "bridge");
  await sh("ip", "-n", m.ns, "addr", "add", `${gateway}/24`, "dev", bridge);
  await sh("ip", "-n", m.ns, "link", "set", bridge, "up");
  await sh("ip", "netns", "add", cleanup.netns(m.pod));
  await sh("ip", "-n", m.ns, "link", "add", "vpod", "type", "veth", "peer", "name", "eth0", "netns", m.pod);
  await sh("ip", "-n", m.ns, "link", "set", "vpod", "master", bridge, "up");
  await sh("ip", "-n", m.pod, "link", "set", "lo", "up");
  await sh("ip", "-n", m.pod, "link", "set", "eth0", "up");
  await sh("ip", "-n", m.pod, "addr", "add", `${m.podIp}/24`, "dev", "eth0");
  await sh("ip", "-n", m.pod, "route", "add", "default", "via", gateway);
}

/** What could tell that the root namespace was touched: our routes and anything naming our addresses. */
async function rootNamespaceView(): Promise<string> {
  const owned = await sh("ip", "-4", "route", "show", "table", "all", "proto", "107");
  const ours = (await sh("ip", "-4", "route", "show", "table", "all"))
    .split("\n")
    .filter((l) => /198\.51\.100\.|100\.64\.22[123]\./.test(l));
  const links = (await sh("ip", "-o", "link", "show")).split("\n").filter((l) => l.includes(id));
  const get = await sh("ip", "route", "get", m2.podIp).catch((err: Error) => err.message.split(": ").pop());
  return JSON.stringify({ owned, ours, links, get });
}

/** Connects from `pod` to `address:port`; the reply is the server's view of our address, or the error code. */
async function connectFrom(pod: string, address: string): Promise<string> {
  const script = `const s=require("net").connect(${SERVER_PORT},"${address}");let d="";
s.setTimeout(2000,()=>{console.log("TIMEOUT");process.exit(0)});
s.on("data",(c)=>d+=c).on("end",()=>console.log(d)).on("error",(e)=>console.log(e.code))`;
  return (await sh("ip", "netns", "exec", pod, process.execPath, "-e", script)).trim();
}

/** A TCP server in `pod` that answers each connection with the peer's address, then closes. */
async function echoPeerServer(pod: string, address: string): Promise<ChildProcess> {
  const script = `require("net").createServer((s)=>s.end(s.remoteAddress))
.listen(${SERVER_PORT},"${address}",()=>console.log("listening"))`;
  const child = spawn("ip", ["netns", "exec", pod, process.execPath, "-e", script], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
    child.stdout?.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("listening")) resolve();
    });
  });
  return child;
}

/** The routes the syncer owns in a machine (ip omits the proto it filters by). */
async function ownedRoutes(m: Machine): Promise<string[]> {
  const text = await sh("ip", "-n", m.ns, "-4", "route", "show", "proto", "107");
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
}

describe("host-gw pod routes between two machines", () => {
  let rootBefore = "";
  let server: ChildProcess | undefined;
  let routes: PodRoutes | undefined;
  const nodes = new FakeListerWatcher<Node>({ items: [nodeA, nodeB, nodeLocal], resourceVersion: "3" });
  const syncer2 = new PodRouteSyncer({
    nodeName: "node-b",
    nodeInterface: "eth0",
    runner: netnsRunner(m2.ns),
  });

  beforeAll(async () => {
    rootBefore = await rootNamespaceView();
    for (const m of [m1, m2]) {
      await sh("ip", "netns", "add", cleanup.netns(m.ns));
      await sh("ip", "-n", m.ns, "link", "set", "lo", "up");
    }
    // The link between the machines: both ends are created inside the namespaces.
    await sh(
      "ip",
      "-n",
      m1.ns,
      "link",
      "add",
      "eth0",
      "type",
      "veth",
      "peer",
      "name",
      "eth0",
      "netns",
      m2.ns,
    );
    for (const m of [m1, m2]) {
      await sh("ip", "-n", m.ns, "addr", "add", `${m.nodeIp}/24`, "dev", "eth0");
      await sh("ip", "-n", m.ns, "link", "set", "eth0", "up");
      await podNetwork(m);
    }
    // m2's guard does not know the node interface yet.
    await ensureHostSafety({ runner: netnsRunner(m1.ns), nodeInterface: "eth0" });
    await ensureHostSafety({ runner: netnsRunner(m2.ns) });
    server = await echoPeerServer(m2.pod, m2.podIp);
  });

  afterAll(async () => {
    await cleanupAll(
      () => routes?.stop() ?? Promise.resolve(),
      async () => {
        server?.kill();
      },
      () => cleanup.run(),
    );
  });

  it("starts with the unreachable fallback: no route to the other machine's pods", async () => {
    expect(await sh("ip", "-n", m1.ns, "route", "get", m1.podIp)).toContain(`dev ktl${id}`);
    await expect(sh("ip", "-n", m1.ns, "route", "get", m2.podIp)).rejects.toThrow(/No route to host/);
    expect(await connectFrom(m1.pod, m2.podIp)).toBe("EHOSTUNREACH");
  });

  it("routes each machine to the other's pod CIDR via its node address, and nothing else", async () => {
    routes = new PodRoutes({
      client: new FakeApiClient(),
      listerWatcher: nodes,
      syncer: new PodRouteSyncer({ nodeName: "node-a", nodeInterface: "eth0", runner: netnsRunner(m1.ns) }),
      log: quiet,
      debounceMs: 20,
    });
    await routes.start();
    const synced = await syncer2.sync([nodeA, nodeB, nodeLocal]);
    expect(synced.replaced).toEqual([{ cidr: m1.podCidr, via: m1.nodeIp, node: "node-a" }]);
    expect(synced.problems).toEqual([]);
    expect(await ownedRoutes(m1)).toEqual([`${m2.podCidr} via ${m2.nodeIp} dev eth0`]);
    expect(await ownedRoutes(m2)).toEqual([`${m1.podCidr} via ${m1.nodeIp} dev eth0`]);
    // Idempotent: nothing to change the second time.
    expect(await syncer2.sync([nodeA, nodeB, nodeLocal])).toEqual({
      replaced: [],
      removed: [],
      problems: [],
      failed: [],
    });
    // More specific than the unreachable /16, which stays underneath.
    expect(await sh("ip", "-n", m1.ns, "route", "get", m2.podIp)).toContain(`via ${m2.nodeIp} dev eth0`);
    expect(await sh("ip", "-n", m1.ns, "route", "show", "exact", "100.64.0.0/16")).toMatch(/^unreachable/);
  });

  it("the guard drops pod traffic through the node interface until it is told about it", async () => {
    expect(await pings(m1.pod, m2.podIp)).toBe(false);
    const chain = await sh(
      "ip",
      "netns",
      "exec",
      m2.ns,
      "nft",
      "list",
      "chain",
      "inet",
      GUARD_TABLE,
      "forward",
    );
    expect(chain).toMatch(/iifname != "ktl\*" oifname "ktl\*" counter packets [1-9]/);
    await ensureHostSafety({ runner: netnsRunner(m2.ns), nodeInterface: "eth0" });
    expect(await pings(m1.pod, m2.podIp)).toBe(true);
    expect(await pings(m2.pod, m1.podIp)).toBe(true);
  });

  it("carries TCP from pod A to pod B across the machines with the source address preserved", async () => {
    expect(await connectFrom(m1.pod, m2.podIp)).toBe(m1.podIp);
    const accepted = await sh(
      "ip",
      "netns",
      "exec",
      m1.ns,
      "nft",
      "list",
      "chain",
      "inet",
      GUARD_TABLE,
      "forward",
    );
    expect(accepted).toMatch(
      /oifname "eth0" ip saddr 100\.64\.0\.0\/16 ip daddr 100\.64\.0\.0\/16 counter packets [1-9]/,
    );
  });

  it("still keeps pods off the other machine's own network", async () => {
    expect(await pings(m1.pod, m1.nodeIp)).toBe(true); // its own node: local delivery, no forwarding
    expect(await pings(m1.pod, m2.nodeIp)).toBe(false); // would be forwarded out of eth0
  });

  it("removes the route when the Node is deleted: traffic fails with unreachable", async () => {
    const watch = await nodes.watchAt(0);
    watch.deleted({ ...nodeB, metadata: { ...nodeB.metadata, resourceVersion: "4" } });
    await vi.waitFor(async () => expect(await ownedRoutes(m1)).toEqual([]), { timeout: 5000 });
    await expect(sh("ip", "-n", m1.ns, "route", "get", m2.podIp)).rejects.toThrow(/No route to host/);
    expect(await connectFrom(m1.pod, m2.podIp)).toBe("EHOSTUNREACH");
    // m2 keeps its route to node-a until it learns the same; then removeAll clears it.
    expect(await syncer2.removeAll()).toEqual([m1.podCidr]);
    expect(await ownedRoutes(m2)).toEqual([]);
  });

  it("leaves the host's root namespace untouched", async () => {
    expect(await rootNamespaceView()).toBe(rootBefore);
  });
});
