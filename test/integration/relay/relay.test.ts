/**
 * Logs and exec over the NATS relay, with real processes: NATS, etcd, the
 * apiserver, a registry, containerd and the kubelet, and the real kubectl.
 * The Node's kubelet port is pointed at a dead port, so every answer proves
 * it came over NATS (`node.<node>.logs|exec`); the last test stops NATS and
 * checks the HTTP fallback. A follow ends when the container exits and, when
 * kubectl is killed, the kubelet's side of the stream goes too (its control
 * subscription on NATS disappears). Needs root (containerd, CNI, cgroups).
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findResource, type Node, type Pod } from "@ktl/api";
import { ApiClient } from "@ktl/client";
import {
  ensureHostSafety,
  hostSafetyInstalled,
  removeHostSafety,
  removePortmapLeftovers,
} from "@ktl/node-network";
import {
  freePort,
  removeCgroups,
  removeEmptyCgroup,
  startApiserver,
  startContainerd,
  startEtcd,
  startKubelet,
  startNats,
  until,
  type ApiserverProcess,
  type ContainerdServer,
  type EtcdServer,
  type KubeletProcess,
  type NatsServer,
} from "@ktl/testing";
import { KubectlRunner, writeKubeconfig } from "../../e2e/kubectl-runner.js";
import { cleanupAll } from "../node/net-helpers.js";
import { useImageRegistry } from "../node/registry.js";

const NODES = findResource("", "nodes")!;
const PODS = findResource("", "pods")!;
const NS = "default";
const id = randomBytes(4).toString("hex");
const NODE = `relay-${id}`;
/** Inside 100.64.240.0/20, apart from the other kubelet test files' /24s. */
const POD_CIDR = "100.64.244.0/24";
const CGROUP_ROOT = `/ktl-test/${id}`;
/** Where the Google Cloud SDK keeps versioned kubectls (kubectl.1.27 …); tests with one skip it when absent. */
const GCLOUD_BIN = "/usr/lib/google-cloud-sdk/bin";

const registry = useImageRegistry();
let nats: NatsServer | undefined;
let etcd: EtcdServer | undefined;
let apiserver: ApiserverProcess | undefined;
let containerd: ContainerdServer | undefined;
let kubelet: KubeletProcess | undefined;
let starting: Promise<KubeletProcess> | undefined;
let client: ApiClient | undefined;
let kubectl: KubectlRunner | undefined;
let kubeconfigDir: string | undefined;
let hadGuard = false;
let deadPort = 0;
const created: string[] = [];

const api = (): ApiClient => client!;

const kc = (): KubectlRunner => kubectl!;

async function createPod(pod: Pod): Promise<void> {
  created.push(pod.metadata?.name ?? "");
  await api().create<Pod>(PODS, NS, { ...pod, metadata: { ...pod.metadata, namespace: NS } });
}

const pod = (name: string) => api().get<Pod>(PODS, NS, name);
const running = (name: string) =>
  until(`${name} running`, async () => (await pod(name)).status?.phase === "Running");

/** Points the Node's kubelet endpoint at `port` (the kubelet writes only what changed, so it stays). */
async function setKubeletPort(port: number): Promise<void> {
  await api().patch<Node>(
    NODES,
    undefined,
    NODE,
    { status: { daemonEndpoints: { kubeletEndpoint: { Port: port } } } },
    { subresource: "status" },
  );
}

/** The kubelet's NATS subscriptions, as the server's monitoring endpoint lists them. */
async function kubeletSubscriptions(): Promise<string[]> {
  const res = await fetch(`${nats!.monitorUrl}/connz?subs=1`);
  const body = (await res.json()) as { connections: { name?: string; subscriptions_list?: string[] }[] };
  return body.connections.find((c) => c.name === `kubelet ${NODE}`)?.subscriptions_list ?? [];
}

beforeAll(async () => {
  hadGuard = await hostSafetyInstalled();
  await ensureHostSafety();
  nats = await startNats();
  etcd = await startEtcd();
  apiserver = await startApiserver({ etcd: etcd.endpoint, args: ["--nats-servers", nats.url] });
  client = new ApiClient(apiserver.grpcAddress);
  kubectl = await KubectlRunner.create(apiserver.url);
  kubeconfigDir = await mkdtemp(join(tmpdir(), "ktl-relay-kubectl-"));
  await writeKubeconfig(join(kubeconfigDir, "kubeconfig"), apiserver.url);
  containerd = await startContainerd({ registry: registry.address, sandboxImage: registry.sandboxImage });
  starting = startKubelet({
    apiserver: apiserver.grpcAddress,
    nodeName: NODE,
    runtime: "cri",
    containerd: { server: containerd, cgroupRoot: CGROUP_ROOT },
    args: ["--nats-servers", nats.url, "--node-status-update-seconds", "1"],
  });
  starting.catch(() => undefined); // awaited below; afterAll stops it whatever happens
  await until("the Node to register", () => api().get<Node>(NODES, undefined, NODE));
  await api().patch<Node>(NODES, undefined, NODE, { spec: { podCIDR: POD_CIDR, podCIDRs: [POD_CIDR] } });
  kubelet = await starting;
  await until("the Node to turn Ready", async () => {
    const node = await api().get<Node>(NODES, undefined, NODE);
    return node.status?.conditions?.find((c) => c.type === "Ready")?.status === "True";
  });
  deadPort = await freePort();
  await setKubeletPort(deadPort);
}, 120_000);

afterAll(async () => {
  await cleanupAll(
    async () => {
      if (!client) return;
      await Promise.all(
        created.map((name) =>
          api()
            .delete(PODS, NS, name, { gracePeriodSeconds: 0 })
            .catch(() => undefined),
        ),
      );
      await until(
        "the kubelet to remove the pods",
        async () => (await api().list(PODS, NS)).items.length === 0,
        20_000,
      ).catch(() => undefined);
    },
    async () => (kubelet ?? (await starting?.catch(() => undefined)))?.stop(),
    async () => client?.close(),
    async () => kubectl?.dispose(),
    () => (kubeconfigDir ? rm(kubeconfigDir, { recursive: true, force: true }) : Promise.resolve()),
    () => containerd?.stop() ?? Promise.resolve(),
    () => apiserver?.stop() ?? Promise.resolve(),
    () => etcd?.stop() ?? Promise.resolve(),
    () => nats?.stop() ?? Promise.resolve(),
    () => removeCgroups(CGROUP_ROOT),
    () => removeEmptyCgroup("/ktl-test"),
    () => removePortmapLeftovers(),
    () => (hadGuard ? Promise.resolve() : removeHostSafety()),
  );
}, 120_000);

const forever = "trap 'exit 0' TERM; while true; do sleep 1; done";

describe("logs and exec over the NATS relay", () => {
  beforeAll(async () => {
    await createPod({
      metadata: { name: "duo" },
      spec: {
        nodeName: NODE,
        terminationGracePeriodSeconds: 1,
        containers: [
          {
            name: "main",
            image: "busybox",
            command: ["sh", "-c", `echo hello-main; sleep 0.2; echo err-main >&2; ${forever}`],
          },
          { name: "side", image: "busybox", command: ["sh", "-c", `echo side > /tmp/who; ${forever}`] },
        ],
      },
    });
    await createPod({
      metadata: { name: "counter" },
      spec: {
        nodeName: NODE,
        restartPolicy: "Never",
        containers: [
          {
            name: "count",
            image: "busybox",
            command: ["sh", "-c", "sleep 2; for i in 0 1 2 3 4; do echo tick $i; sleep 0.5; done"],
          },
        ],
      },
    });
    await createPod({
      metadata: { name: "chatty" },
      spec: {
        nodeName: NODE,
        terminationGracePeriodSeconds: 1,
        containers: [{ name: "c", image: "busybox", command: ["sh", "-c", `seq 1 50000; ${forever}`] }],
      },
    });
    await running("duo");
  }, 60_000);

  it("kubectl logs goes over NATS (the Node's kubelet port is dead)", async () => {
    const node = await api().get<Node>(NODES, undefined, NODE);
    expect(node.status?.daemonEndpoints?.kubeletEndpoint?.Port).toBe(deadPort);
    expect(await kc().ok(["logs", "duo", "-c", "main"])).toBe("hello-main\nerr-main\n");
    expect(await kc().ok(["logs", "duo", "-c", "main", "--tail", "1"])).toBe("err-main\n");
    // kubectl picks the first container itself when none is named.
    const defaulted = await kc().run(["logs", "duo"]);
    expect(defaulted.stdout).toBe("hello-main\nerr-main\n");
    expect(defaulted.stderr).toContain('Defaulted container "main" out of: main, side');
  });

  it("a large log arrives whole through the relay's flow control", async () => {
    await running("chatty");
    const expected = Array.from({ length: 50_000 }, (_, i) => `${i + 1}\n`).join("");
    await until(
      "chatty to have written its lines",
      async () => (await kc().ok(["logs", "chatty", "--tail", "1"])) === "50000\n",
    );
    expect(await kc().ok(["logs", "chatty"])).toBe(expected);
  });

  it("kubectl logs -f streams until the container exits", async () => {
    await running("counter");
    const started = Date.now();
    const out = await kc().ok(["logs", "-f", "counter"], 30_000);
    expect(out).toBe("tick 0\ntick 1\ntick 2\ntick 3\ntick 4\n");
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it("a killed kubectl logs -f ends the kubelet's follower", async () => {
    const before = await kubeletSubscriptions();
    const child = spawn(
      kc().binary,
      ["--kubeconfig", join(kubeconfigDir!, "kubeconfig"), "logs", "-f", "duo", "-c", "main"],
      { env: { ...process.env, HOME: kubeconfigDir! }, stdio: ["ignore", "pipe", "pipe"] },
    );
    try {
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      await until("the follow to print the log", () => out.includes("err-main"), 15_000);
      // The kubelet holds one more subscription (the stream's control inbox) while it follows.
      const during = await kubeletSubscriptions();
      expect(during.length).toBe(before.length + 1);
    } finally {
      child.kill("SIGKILL");
    }
    await until(
      "the kubelet to drop the stream",
      async () => (await kubeletSubscriptions()).length === before.length,
      10_000,
    );
  });

  it("kubectl exec returns stdout, stderr and the exit code", async () => {
    const ok = await kc().run([
      "exec",
      "duo",
      "-c",
      "main",
      "--",
      "sh",
      "-c",
      "echo hi; echo err >&2; exit 3",
    ]);
    expect(ok.stdout).toBe("hi\n");
    expect(ok.stderr).toContain("err\n");
    expect(ok.code).toBe(3);
    expect(await kc().ok(["exec", "duo", "-c", "main", "--", "echo", "zero"])).toBe("zero\n");
  });

  it("kubectl 1.30 to 1.33 exec over WebSocket; an older, SPDY-only kubectl is told why not", async () => {
    for (const version of ["1.30", "1.31", "1.33"]) {
      const binary = join(GCLOUD_BIN, `kubectl.${version}`);
      if (!existsSync(binary)) continue;
      const versioned = await KubectlRunner.create(apiserver!.url, binary);
      try {
        const r = await versioned.run(["exec", "duo", "-c", "main", "--", "sh", "-c", "echo hi; exit 4"]);
        expect([version, r.stdout, r.code]).toEqual([version, "hi\n", 4]);
      } finally {
        await versioned.dispose();
      }
    }
    const old = join(GCLOUD_BIN, "kubectl.1.29");
    if (!existsSync(old)) return;
    const spdy = await KubectlRunner.create(apiserver!.url, old);
    try {
      const r = await spdy.run(["exec", "duo", "-c", "main", "--", "true"]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("exec is served over WebSocket only");
    } finally {
      await spdy.dispose();
    }
  });

  it("kubectl exec runs in the named container of a two-container pod", async () => {
    expect(await kc().ok(["exec", "duo", "-c", "side", "--", "cat", "/tmp/who"])).toBe("side\n");
    const main = await kc().run(["exec", "duo", "-c", "main", "--", "cat", "/tmp/who"]);
    expect(main.code).toBe(1);
    expect(main.stderr).toContain("No such file or directory");
  });

  it("kubectl exec errors: no such container, interactive, a completed pod", async () => {
    const nope = await kc().run(["exec", "duo", "-c", "nope", "--", "true"]);
    expect(nope.code).toBe(1);
    expect(nope.stderr).toContain("container nope is not valid for pod duo");
    const interactive = await kc().run(["exec", "-i", "duo", "-c", "main", "--", "cat"]);
    expect(interactive.code).toBe(1);
    expect(interactive.stderr).toContain("interactive exec is not supported yet: stdin/tty");
    await until("counter to complete", async () => (await pod("counter")).status?.phase === "Succeeded");
    const done = await kc().run(["exec", "counter", "--", "true"]);
    expect(done.code).toBe(1);
    expect(done.stderr).toContain(
      "cannot exec into a container in a completed pod; current phase is Succeeded",
    );
  });

  it("a container that is not running: the kubelet's own errors, relayed", async () => {
    await createPod({
      metadata: { name: "nopull" },
      spec: { nodeName: NODE, containers: [{ name: "c", image: `${registry.address}/no/such:image` }] },
    });
    await until("nopull to wait for its image", async () => {
      const reason = (await pod("nopull")).status?.containerStatuses?.[0]?.state?.waiting?.reason ?? "";
      return reason === "ErrImagePull" || reason === "ImagePullBackOff";
    });
    const logs = await kc().run(["logs", "nopull"]);
    expect(logs.code).toBe(1);
    expect(logs.stderr).toMatch(/container "c" in pod "nopull" is waiting to start/);
    const exec = await kc().run(["exec", "nopull", "--", "true"]);
    expect(exec.code).toBe(1);
    expect(exec.stderr).toContain('container not found ("c")');
  });

  it("without NATS the apiserver falls back to the kubelet's HTTP endpoints", async () => {
    await nats!.pause();
    try {
      // With the dead port there is no way to the kubelet at all.
      const dead = await kc().run(["logs", "duo", "-c", "main"]);
      expect(dead.code).toBe(1);
      expect(dead.stderr).toContain("error reaching the kubelet");
      await setKubeletPort(kubelet!.port);
      expect(await kc().ok(["logs", "duo", "-c", "main"])).toBe("hello-main\nerr-main\n");
      const exec = await kc().run([
        "exec",
        "duo",
        "-c",
        "main",
        "--",
        "sh",
        "-c",
        "echo hi; echo err >&2; exit 3",
      ]);
      expect([exec.stdout, exec.code]).toEqual(["hi\n", 3]);
      expect(exec.stderr).toContain("err\n");
    } finally {
      await nats!.resume();
    }
  });
});
