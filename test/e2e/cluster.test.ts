/**
 * End to end: `ktl cluster up|status|logs|down` and `ktl image push` on this
 * machine, for real — etcd, NATS, the registry, the control plane, and two
 * nodes each with its own containerd and kubelet, as detached daemons under
 * a temporary KTL_HOME. Ports are offset (a developer's cluster may hold the
 * defaults), nodes get a test-only name prefix and pods a range inside the
 * default one (so the host safety net is the very one a local cluster
 * installs). Checks: nodes Ready through the real kubectl, busybox pods
 * answering on their pod IPs (one from an image pushed with `ktl image
 * push`), a second `up` that does nothing, objects and pods surviving
 * `down` + `up`, and `down --purge` leaving no process, mount, bridge,
 * cgroup, route or nft table behind. Needs root.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existingCgroups, mountsUnder } from "@ktl/cri";
import { bridgeNameFor, hostSafetyInstalled } from "@ktl/node-network";
import { buildBusyboxImage } from "@ktl/oci";
import { REPO_ROOT, until } from "@ktl/testing";
import { dockerSaveTar } from "../integration/images/archives.js";
import { clusterProcesses, freePortOffset, runProgram, type Result } from "./local-cluster.js";

const KTL_MAIN = join(REPO_ROOT, "services/ktl/dist/main.js");
const id = randomBytes(3).toString("hex");
const PREFIX = `e2e${id}`;
const NODES = [`${PREFIX}-1`, `${PREFIX}-2`];
/** Inside the default 100.64.0.0/16, away from what other tests use (100.64.24x/251). */
const CLUSTER_CIDR = "100.64.160.0/19";
const IN_CLUSTER_CIDR = /100\.64\.(1[6-8]\d|19[01])\./;
const KUBELET_PORT = 10250;

let home = "";
let tmp = "";
let offset = 0;
let upArgs: string[] = [];
let guardBefore = false;
let ipForwardBefore = "";
/** Other kubelets (a test running alongside) install and remove the shared safety net as they go. */
let othersAtStart = false;

function run(command: string, args: readonly string[], timeoutMs: number): Promise<Result> {
  return runProgram(command, args, { env: { KTL_HOME: home, HOME: tmp, KUBECONFIG: "" }, timeoutMs });
}

const ktl = (args: readonly string[], timeoutMs = 60_000) =>
  run(process.execPath, [KTL_MAIN, ...args], timeoutMs);

async function ok(args: readonly string[], timeoutMs?: number): Promise<string> {
  const r = await ktl(args, timeoutMs);
  if (r.code !== 0) throw new Error(`ktl ${args.join(" ")} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** The real kubectl with the kubeconfig `cluster up` wrote. */
async function kubectl(...args: string[]): Promise<string> {
  const r = await run("kubectl", ["--kubeconfig", join(home, "kubeconfig"), ...args], 30_000);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** The pids in $KTL_HOME/run/*.pid. */
async function recordedPids(): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const f of await readdir(join(home, "run")).catch(() => [] as string[])) {
    if (f.endsWith(".pid"))
      out.set(f.slice(0, -4), Number((await readFile(join(home, "run", f), "utf8")).trim()));
  }
  return out;
}

/** Whether kubelets of other clusters or tests run on this machine (they share the host safety net). */
async function otherKubelets(): Promise<boolean> {
  for (const pid of await readdir("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
    if (cmdline.includes("kubelet/dist/main.js")) return true;
  }
  return false;
}

/** Waits until the pod runs and answers HTTP on its pod IP; returns the answer. */
async function podAnswers(name: string, timeoutMs = 45_000): Promise<{ ip: string; body: string }> {
  return until(
    `pod ${name} to answer on its IP`,
    async () => {
      const ip = (await kubectl("get", "pod", name, "-o", "jsonpath={.status.phase} {.status.podIP}")).split(
        " ",
      );
      if (ip[0] !== "Running" || !ip[1]) return undefined;
      const response = await fetch(`http://${ip[1]}:8080/index.html`, { signal: AbortSignal.timeout(2000) });
      return { ip: ip[1], body: await response.text() };
    },
    timeoutMs,
  );
}

const podYaml = (name: string, image: string) => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: web
    image: ${image}
    command: ["sh", "-c", "echo hello from $(hostname) > /tmp/index.html && exec httpd -f -p 8080 -h /tmp"]
`;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "ktl-cluster-e2e-"));
  home = join(tmp, "home");
  offset = await freePortOffset({ from: 21_000, nodes: NODES.length });
  upArgs = ["cluster", "up", "--nodes", "2", "--port-offset", String(offset), "--node-prefix", PREFIX];
  upArgs.push("--cluster-cidr", CLUSTER_CIDR, "--timeout", "90s");
  guardBefore = await hostSafetyInstalled();
  othersAtStart = await otherKubelets();
  ipForwardBefore = (await readFile("/proc/sys/net/ipv4/ip_forward", "utf8")).trim();
});

afterAll(async () => {
  // Normally the last test has purged everything; after a failure this is the cleanup.
  if (existsSync(join(home, "state.json"))) await ktl(["cluster", "down", "--purge"], 120_000);
  for (const pid of await clusterProcesses(home)) {
    try {
      process.kill(pid, "SIGKILL"); // started by this test, found by its KTL_HOME
    } catch {
      // gone
    }
  }
  if ((await mountsUnder(tmp)).length === 0) await rm(tmp, { recursive: true, force: true });
}, 150_000);

describe("ktl cluster", () => {
  it("up --nodes 2 starts everything and waits until both nodes are Ready", async () => {
    const out = await ok(upArgs, 150_000);
    expect(out).toContain("waiting for 2 nodes to be Ready (2/2)");
    expect(out).toContain(`export KUBECONFIG=${join(home, "kubeconfig")}`);
    expect(out).toMatch(/kube-proxy http:\/\/127\.0\.1\.1:\d+ \(userspace\)/);
    const nodes = await kubectl("get", "nodes", "-o", "wide", "--no-headers");
    for (const [i, name] of NODES.entries())
      expect(nodes).toMatch(new RegExp(`^${name}\\s+Ready\\s.*\\s127\\.0\\.1\\.${i + 1}\\s`, "m"));
    expect(await kubectl("config", "view", "--minify", "-o", "jsonpath={..namespace}")).toBe("default");
    // The daemons outlived ktl: they are detached, with their pids recorded.
    expect([...(await recordedPids()).keys()].sort()).toEqual(
      ["apiserver", "controller-manager", "etcd", "nats", "registry", "scheduler"]
        .concat(NODES.flatMap((n) => [`containerd-${n}`, `kubelet-${n}`, `kube-proxy-${n}`]))
        .sort(),
    );
  }, 150_000);

  it("status shows every component running and healthy; both kubelets share one port", async () => {
    const out = await ok(["cluster", "status"]);
    const rows = out.trim().split("\n").slice(1);
    expect(rows).toHaveLength(12);
    for (const row of rows) expect(row).toMatch(/^\S+\s+\d+\s+running\s+ok/);
    const port = KUBELET_PORT + offset;
    expect(out).toContain(`http://127.0.1.1:${port}`);
    expect(out).toContain(`http://127.0.1.2:${port}`);
    expect(out).toContain(`http://127.0.0.1:${8080 + offset}`);
  });

  it("image push puts an archive's image into the cluster's registry", async () => {
    const archive = join(tmp, "app.tar");
    await writeFile(archive, dockerSaveTar([{ image: await buildBusyboxImage(), repoTags: ["app:1"] }]));
    const out = await ok(["image", "push", archive]);
    expect(out).toMatch(
      new RegExp(`^pushed 127\\.0\\.0\\.1:${5000 + offset}/library/app:1 \\(sha256:[0-9a-f]{64}\\)\\n$`),
    );
    const renamed = await ok(["image", "push", archive, "--name", "team/app:2"]);
    expect(renamed).toContain(`/team/app:2 (sha256:`);
    const missing = await ktl(["image", "push", join(tmp, "nope.tar")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`error: ${join(tmp, "nope.tar")}: no such file or directory\n`);
  });

  it("runs busybox pods that answer on their pod IPs", async () => {
    await writeFile(join(tmp, "pods.yaml"), `${podYaml("web", "busybox")}---\n${podYaml("app", "app:1")}`);
    await kubectl("apply", "-f", join(tmp, "pods.yaml"));
    await kubectl("create", "configmap", "kept", "--from-literal=k=v");
    for (const name of ["web", "app"]) {
      const { ip, body } = await podAnswers(name);
      expect(ip.startsWith("100.64.")).toBe(true);
      expect(ip).toMatch(IN_CLUSTER_CIDR);
      expect(body).toBe(`hello from ${name}\n`);
    }
  }, 90_000);

  it("a second up says the cluster runs and changes nothing", async () => {
    const before = await recordedPids();
    const r = await ktl(upArgs);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("is already running (2 nodes); nothing to do");
    expect(await recordedPids()).toEqual(before);
    const other = await ktl([...upArgs, "--nodes", "3"]);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain("a cluster with other settings is running");
    expect(other.stderr).toContain("nodes 2 → 3");
    const logs = await ok(["cluster", "logs", `kubelet-${NODES[0]}`, "--tail", "1"]);
    expect(logs.split("\n")).toHaveLength(2);
    const bad = await ktl(["cluster", "logs", "nope"]);
    expect(bad.stderr).toMatch(/no component "nope"; the components are etcd, nats/);
  });

  it("down stops everything; up brings back the objects and the pods", async () => {
    expect(await clusterProcesses(home)).not.toEqual([]);
    const down = await ok(["cluster", "down"], 120_000);
    expect(down).toContain(`kept the data in ${home}`);
    expect(await clusterProcesses(home)).toEqual([]);
    expect(await mountsUnder(home)).toEqual([]);
    const status = await ktl(["cluster", "status"]);
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(/^etcd\s+-\s+stopped\s+-/m);

    await ok(upArgs, 150_000);
    expect(await kubectl("get", "configmap", "kept", "-o", "jsonpath={.data.k}")).toBe("v");
    for (const name of ["web", "app"])
      expect((await podAnswers(name, 60_000)).body).toBe(`hello from ${name}\n`);
  }, 240_000);

  it("down --purge leaves nothing behind", async () => {
    const bridges = NODES.map(bridgeNameFor);
    const links = async () => (await run("ip", ["-o", "link", "show"], 10_000)).stdout;
    const before = await links();
    expect(bridges.some((b) => before.includes(b))).toBe(true);
    const { hostSafetyOwned: owned } = JSON.parse(await readFile(join(home, "state.json"), "utf8")) as {
      hostSafetyOwned: boolean;
    };
    const down = await ok(["cluster", "down", "--purge"], 120_000);
    expect(await clusterProcesses(home)).toEqual([]);
    expect(existsSync(home)).toBe(false);
    expect(await mountsUnder(tmp)).toEqual([]);
    const linkText = await links();
    for (const b of bridges) expect(linkText).not.toContain(b);
    for (const n of NODES) expect(await existingCgroups(`/ktl/${n}`)).toEqual([]);
    const routes = (await run("ip", ["-4", "route", "show", "table", "main"], 10_000)).stdout;
    expect(routes).not.toMatch(IN_CLUSTER_CIDR);
    // The safety net goes with the cluster that installed it (up found none: then guardBefore
    // is false too) and stays when it was someone else's — unless other kubelets (a test
    // running alongside) install or remove it meanwhile.
    if (!othersAtStart && !(await otherKubelets())) {
      if (!guardBefore) expect(owned).toBe(true);
      expect(down).toContain(owned ? "removed the host safety net" : "left the host safety net in place");
      expect(await hostSafetyInstalled()).toBe(!owned);
      expect(routes.includes("unreachable 100.64.0.0/16")).toBe(!owned);
      if (owned)
        expect((await readFile("/proc/sys/net/ipv4/ip_forward", "utf8")).trim()).toBe(ipForwardBefore);
    }
    const netns = await readdir("/var/run/netns").catch(() => [] as string[]);
    expect(netns.filter((n) => n.includes(PREFIX))).toEqual([]);
  }, 150_000);
});
