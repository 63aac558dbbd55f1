/**
 * End to end: Services on real containers, in both proxy modes. For each
 * mode, `ktl cluster up --nodes 2 --proxy-mode <mode>` under a temporary
 * KTL_HOME (free port offset, unique node prefix, a private pod range), then:
 * deploy/examples/web.yaml rolled out with ktl; 300 fresh connections through
 * the ClusterIP and through the NodePort on each node's address spread over
 * the 3 pods (exactly evenly in userspace's round-robin); a scale to 1 moves
 * all traffic to the survivor within 2 s of the Endpoints showing it alone;
 * pods failing their readiness probe (listed under notReadyAddresses) get no
 * traffic; a UDP echo Service answers datagrams through its ClusterIP and
 * NodePorts. `down --purge` leaves no process, ClusterIP address or nft
 * table of the proxies behind. Needs root.
 *
 * Busybox (Debian's build) has no UDP server, so the UDP echo runs the
 * machine's perl (builtins only: socket/bind/recv/send) in an image built
 * here from perl, its shared libraries and busybox, pushed with `ktl image push`.
 */
import { randomBytes } from "node:crypto";
import { createSocket } from "node:dgram";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { get as httpGet } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mountsUnder } from "@ktl/cri";
import { removeProxyLeftovers } from "@ktl/node-network";
import { buildBusyboxImage, createImage, createLayer, type TarEntry } from "@ktl/oci";
import { REPO_ROOT, until } from "@ktl/testing";
import { addressLabel, tableNameFor } from "../../services/kube-proxy/src/index.js";
import { dockerSaveTar } from "../integration/images/archives.js";
import { clusterProcesses, freePortOffset, runProgram, type Result } from "./local-cluster.js";

const KTL_MAIN = join(REPO_ROOT, "services/ktl/dist/main.js");
const WEB_YAML = join(REPO_ROOT, "deploy/examples/web.yaml");
/** Ports with offset 0, as services/ktl/src/cluster/settings.ts has them. */
const APISERVER_PORT = 8080;
/** Inside the default 100.64.0.0/16, away from cluster.test.ts (160-191) and the other tests (200-251). */
const CLUSTER_CIDRS = { userspace: "100.64.128.0/20", nftables: "100.64.144.0/20" } as const;
const NS = "demo";

type Mode = keyof typeof CLUSTER_CIDRS;

function run(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<Result> {
  return runProgram(command, args, { env, timeoutMs });
}

/** One GET on a fresh connection (no keep-alive): the pod name from "hello from <pod>", or "error …". */
function ask(url: string, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve) => {
    const req = httpGet(url, { agent: false, headers: { connection: "close" } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => {
        clearTimeout(timer);
        const m = /^hello from (\S+)\n$/.exec(body);
        resolve(res.statusCode === 200 && m?.[1] ? m[1] : `error ${res.statusCode} ${body.trim()}`);
      });
      res.on("error", (err) => resolve(`error ${err.message}`));
    });
    const timer = setTimeout(() => req.destroy(new Error("timeout")), timeoutMs);
    req.on("error", (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(`error ${err.code ?? err.message}`);
    });
  });
}

/** `count` requests, 8 at a time, each on its own connection; answers counted by pod name. */
async function spread(url: string, count: number): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  let started = 0;
  const worker = async (): Promise<void> => {
    while (started < count) {
      started++;
      const name = await ask(url);
      counts[name] = (counts[name] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return counts;
}

/** One datagram from a fresh socket; the reply, or "timeout". */
function udpAsk(ip: string, port: number, message: string, timeoutMs = 2000): Promise<string> {
  const socket = createSocket("udp4");
  return new Promise<string>((resolve) => {
    const timer = setTimeout(() => resolve("timeout"), timeoutMs);
    socket.on("error", (err) => {
      clearTimeout(timer);
      resolve(`error ${err.message}`);
    });
    socket.once("message", (msg) => {
      clearTimeout(timer);
      resolve(msg.toString());
    });
    socket.send(message, port, ip);
  }).finally(() => socket.close());
}

/** A UDP echo answering "<POD_NAME> <datagram>", with nothing but perl builtins; /tmp/ready once bound. */
const UDP_ECHO = [
  'socket(S, 2, 2, 17) or die "socket: $!";',
  'bind(S, pack("S n N x8", 2, 5353, 0)) or die "bind: $!";',
  'open(R, ">", "/tmp/ready") or die "ready: $!"; close(R);',
  'while (1) { my $from = recv(S, my $m, 65535, 0); defined $from or die "recv: $!"; send(S, "$ENV{POD_NAME} $m", 0, $from); }',
].join(" ");

/** busybox plus the machine's perl and the shared libraries it loads (as ldd lists them). */
async function udpEchoArchive(): Promise<Buffer> {
  const ldd = await run("ldd", ["/usr/bin/perl"], {}, 10_000);
  if (ldd.code !== 0) throw new Error(`ldd /usr/bin/perl: ${ldd.stderr}`);
  const files = [
    "/usr/bin/perl",
    ...[...ldd.stdout.matchAll(/(\/\S+) \(0x[0-9a-f]+\)/g)].map((m) => m[1] ?? ""),
  ];
  const entries: TarEntry[] = await Promise.all(
    files.map(async (f): Promise<TarEntry> => ({
      type: "file",
      path: f,
      data: await readFile(f),
      mode: 0o755,
    })),
  );
  const busybox = await buildBusyboxImage();
  const image = createImage({
    layers: [...busybox.layers, await createLayer(entries)],
    config: busybox.config.config,
    createdBy: ["busybox", `perl and ${files.length - 1} libraries`],
  });
  return dockerSaveTar([{ image, repoTags: ["udp-echo:1"] }]);
}

const httpdCommand = `["sh", "-c", "mkdir -p /www && echo \\"hello from $(hostname)\\" > /www/index.html && exec httpd -f -p 8080 -h /www"]`;

/** Two Deployments behind one Service `mix`: mix-ready's pods pass their readiness probe, mix-never's never do. */
const mixYaml = (name: string, readiness: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: ${NS}
spec:
  replicas: 2
  selector:
    matchLabels: { app: mix, variant: ${name} }
  template:
    metadata:
      labels: { app: mix, variant: ${name} }
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: httpd
          image: busybox:latest
          command: ${httpdCommand}
          ports: [{ containerPort: 8080, name: http }]
          readinessProbe: { ${readiness}, periodSeconds: 1 }
`;

const MIX_YAML = `${mixYaml("mix-ready", "httpGet: { path: /, port: http }")}---
${mixYaml("mix-never", "exec: { command: ['false'] }")}---
apiVersion: v1
kind: Service
metadata:
  name: mix
  namespace: ${NS}
spec:
  type: NodePort
  selector: { app: mix }
  ports: [{ port: 80, targetPort: http }]
`;

const UDP_YAML = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: udp-echo
  namespace: ${NS}
spec:
  replicas: 2
  selector:
    matchLabels: { app: udp-echo }
  template:
    metadata:
      labels: { app: udp-echo }
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: echo
          image: udp-echo:1
          command: ["perl", "-e", ${JSON.stringify(UDP_ECHO)}]
          env: [{ name: POD_NAME, valueFrom: { fieldRef: { apiVersion: v1, fieldPath: metadata.name } } }]
          ports: [{ containerPort: 5353, protocol: UDP, name: echo }]
          readinessProbe: { exec: { command: [cat, /tmp/ready] }, periodSeconds: 1 }
---
apiVersion: v1
kind: Service
metadata:
  name: udp-echo
  namespace: ${NS}
spec:
  type: NodePort
  selector: { app: udp-echo }
  ports: [{ port: 53, targetPort: echo, protocol: UDP }]
`;

interface EndpointAddress {
  ip?: string;
  targetRef?: { name?: string };
}
interface EndpointsObject {
  subsets?: { addresses?: EndpointAddress[]; notReadyAddresses?: EndpointAddress[] }[];
}

const names = (addresses: EndpointAddress[]) => addresses.map((a) => a.targetRef?.name ?? "").sort();

/** Each pod between 20% and 47% of `total`; in userspace exactly `total / n` each. */
function expectShares(mode: Mode, counts: Record<string, number>, pods: readonly string[], total: number) {
  expect(Object.keys(counts).sort()).toEqual([...pods].sort());
  for (const pod of pods) {
    expect(counts[pod]).toBeGreaterThanOrEqual(Math.ceil(total * 0.2));
    expect(counts[pod]).toBeLessThanOrEqual(Math.floor(total * 0.47));
  }
  if (mode === "userspace") for (const pod of pods) expect(counts[pod]).toBe(total / pods.length);
}

describe.each(["userspace", "nftables"] as const)("Services on real containers, kube-proxy %s", (mode) => {
  const id = randomBytes(3).toString("hex");
  const prefix = `sv${mode.slice(0, 2)}${id}`;
  const nodes = [`${prefix}-1`, `${prefix}-2`];
  const nodeIps = ["127.0.1.1", "127.0.1.2"];
  let tmp = "";
  let home = "";
  let offset = 0;
  let purged = false;
  const web = { clusterIP: "", nodePort: 0, pods: [] as string[] };
  /** What the tests measured, printed at the end. */
  const report: Record<string, unknown> = {};

  const env = (): NodeJS.ProcessEnv => ({ KTL_HOME: home, HOME: tmp, KUBECONFIG: join(home, "kubeconfig") });
  const ktl = (args: readonly string[], timeoutMs = 60_000) =>
    run(process.execPath, [KTL_MAIN, ...args], env(), timeoutMs);
  const ok = async (args: readonly string[], timeoutMs?: number): Promise<string> => {
    const r = await ktl(args, timeoutMs);
    if (r.code !== 0) throw new Error(`ktl ${args.join(" ")} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };
  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`http://127.0.0.1:${APISERVER_PORT + offset}${path}`, {
      signal: AbortSignal.timeout(5000),
    });
    if (!res.ok) throw new Error(`GET ${path}: ${res.status}`);
    return (await res.json()) as T;
  };
  const endpoints = async (name: string) => {
    const ep = await api<EndpointsObject>(`/api/v1/namespaces/${NS}/endpoints/${name}`);
    const subsets = ep.subsets ?? [];
    return {
      ready: subsets.flatMap((s) => s.addresses ?? []),
      notReady: subsets.flatMap((s) => s.notReadyAddresses ?? []),
    };
  };
  const applyYaml = async (file: string, yaml: string) => {
    await writeFile(join(tmp, file), yaml);
    return ok(["apply", "-f", join(tmp, file)]);
  };
  const service = async (name: string) => {
    const jsonpath = "jsonpath={.spec.clusterIP} {.spec.ports[0].nodePort}";
    const out = await ok(["get", "service", name, "-n", NS, "-o", jsonpath]);
    const [clusterIP = "", nodePort = ""] = out.trim().split(" ");
    return { clusterIP, nodePort: Number(nodePort) };
  };
  /** The names of the pods matching `selector`, sorted. */
  const podNames = async (selector: string): Promise<string[]> => {
    const out = await ok([
      "get",
      "pods",
      "-n",
      NS,
      "-l",
      selector,
      "-o",
      "jsonpath={.items[*].metadata.name}",
    ]);
    return out.trim().split(/\s+/).sort();
  };
  /** The three ways into a Service port: its ClusterIP and its NodePort on each node's address. */
  const targets = (svc: { clusterIP: string; nodePort: number }, port: number) => [
    { via: "ClusterIP", ip: svc.clusterIP, port },
    ...nodeIps.map((ip, i) => ({ via: `NodePort on node ${i + 1}`, ip, port: svc.nodePort })),
  ];

  const loAddresses = async () =>
    (await run("ip", ["-o", "-4", "addr", "show", "dev", "lo"], {}, 10_000)).stdout;

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), `ktl-services-e2e-${mode}-`));
    home = join(tmp, "home");
    offset = await freePortOffset({ from: 20_750, nodes: 2 });
    const started = Date.now();
    await ok(
      [
        ...["cluster", "up", "--nodes", "2", "--proxy-mode", mode, "--port-offset", String(offset)],
        ...["--node-prefix", prefix, "--cluster-cidr", CLUSTER_CIDRS[mode], "--timeout", "90s"],
      ],
      120_000,
    );
    report.upMs = Date.now() - started;
  }, 130_000);

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
    if (!purged) for (const n of nodes) await removeProxyLeftovers(n);
    if ((await mountsUnder(tmp)).length === 0) await rm(tmp, { recursive: true, force: true });
    console.info(`services e2e (${mode}): ${JSON.stringify(report)}`);
  }, 150_000);

  it("applies web.yaml with ktl and rolls it out; the Service has a ClusterIP and a NodePort", async () => {
    expect(await ok(["apply", "-f", WEB_YAML])).toContain("service/web created");
    await ok(["rollout", "status", "deployment/web", "-n", NS, "--timeout", "60s"], 70_000);
    Object.assign(web, await service("web"));
    expect(web.clusterIP).toMatch(/^100\.96\.\d+\.\d+$/);
    expect(web.nodePort).toBeGreaterThanOrEqual(30000);
    expect(web.nodePort).toBeLessThanOrEqual(32767);
    web.pods = await podNames("app=web");
    expect(web.pods).toHaveLength(3);
    // Endpoints list the three, and every way in reaches each of them before shares are measured.
    await until(
      "3 ready addresses in Endpoints web",
      async () => (names((await endpoints("web")).ready).length === 3 ? true : undefined),
      20_000,
    );
    expect(names((await endpoints("web")).ready)).toEqual(web.pods);
    for (const t of targets(web, 80)) {
      await until(
        `all 3 pods behind ${t.via}`,
        async () => {
          const seen = await Promise.all(Array.from({ length: 9 }, () => ask(`http://${t.ip}:${t.port}/`)));
          return new Set(seen).size === 3 && seen.every((s) => web.pods.includes(s)) ? true : undefined;
        },
        10_000,
      );
    }
  }, 90_000);

  it.each(["ClusterIP", "NodePort on node 1", "NodePort on node 2"])(
    "spreads 300 fresh connections through the %s over the 3 pods in near-equal shares",
    async (via) => {
      const t = targets(web, 80).find((x) => x.via === via);
      if (!t) throw new Error(`no way in called ${via}`);
      const counts = await spread(`http://${t.ip}:${t.port}/`, 300);
      report[`shares ${via}`] = web.pods.map((p) => counts[p] ?? 0);
      expectShares(mode, counts, web.pods, 300);
    },
    30_000,
  );

  it("scaled to 1, sends all traffic to the survivor within 2 s of the Endpoints showing it alone", async () => {
    await ok(["scale", "deployment/web", "-n", NS, "--replicas", "1"]);
    const scaled = Date.now();
    const alone = await until(
      "one address in Endpoints web",
      async () => {
        const ready = (await endpoints("web")).ready;
        return ready.length === 1 ? ready : undefined;
      },
      30_000,
      25,
    );
    const shownAt = Date.now();
    const survivor = alone[0]?.targetRef?.name ?? "";
    expect(web.pods).toContain(survivor);
    const all = targets(web, 80);
    const switchedAt = await until(
      "all traffic on the survivor",
      async () => {
        const round = await Promise.all(
          all.flatMap((t) => Array.from({ length: 3 }, () => ask(`http://${t.ip}:${t.port}/`, 1000))),
        );
        return round.every((r) => r === survivor) ? Date.now() : undefined;
      },
      10_000,
      25,
    );
    report.endpointsAfterScaleMs = shownAt - scaled;
    report.switchAfterEndpointsMs = switchedAt - shownAt;
    expect(switchedAt - shownAt).toBeLessThan(2000);
    // And it stays there.
    for (const t of all) expect(await spread(`http://${t.ip}:${t.port}/`, 30)).toEqual({ [survivor]: 30 });
  }, 60_000);

  it("gives pods failing their readiness probe no traffic; Endpoints list them as notReady", async () => {
    await applyYaml("mix.yaml", MIX_YAML);
    await ok(["rollout", "status", "deployment/mix-ready", "-n", NS, "--timeout", "60s"], 70_000);
    const mix = await service("mix");
    const ready = await podNames("variant=mix-ready");
    const never = await podNames("variant=mix-never");
    expect(ready).toHaveLength(2);
    expect(never).toHaveLength(2);
    const ep = await until(
      "Endpoints mix with 2 ready and 2 notReady addresses",
      async () => {
        const e = await endpoints("mix");
        return e.ready.length === 2 && e.notReady.length === 2 ? e : undefined;
      },
      30_000,
    );
    expect(names(ep.ready)).toEqual(ready);
    expect(names(ep.notReady)).toEqual(never);
    // The never-ready pods do serve: were traffic sent to them, they would answer.
    for (const a of ep.notReady) expect(await ask(`http://${a.ip ?? ""}:8080/`)).toBe(a.targetRef?.name);
    const conditions = await ok([
      ...["get", "pods", "-n", NS, "-l", "variant=mix-never"],
      ...["-o", 'jsonpath={range .items[*]}{.status.conditions[?(@.type=="Ready")].status} {end}'],
    ]);
    expect(conditions.trim()).toBe("False False");
    const seen: Record<string, number> = {};
    for (const [t, n] of targets(mix, 80).map((t, i) => [t, i === 0 ? 100 : 50] as const)) {
      const counts = await spread(`http://${t.ip}:${t.port}/`, n);
      expect(Object.keys(counts).sort(), t.via).toEqual(ready);
      for (const [pod, c] of Object.entries(counts)) seen[pod] = (seen[pod] ?? 0) + c;
    }
    report.mixShares = seen;
  }, 60_000);

  it("answers UDP through the ClusterIP and the NodePorts of a UDP Service", async () => {
    const archive = join(tmp, "udp-echo.tar");
    await writeFile(archive, await udpEchoArchive());
    expect(await ok(["image", "push", archive])).toContain("/library/udp-echo:1 (sha256:");
    await applyYaml("udp.yaml", UDP_YAML);
    await ok(["rollout", "status", "deployment/udp-echo", "-n", NS, "--timeout", "60s"], 70_000);
    const svc = await service("udp-echo");
    const pods = names(
      await until(
        "2 ready addresses in Endpoints udp-echo",
        async () => {
          const e = await endpoints("udp-echo");
          return e.ready.length === 2 ? e.ready : undefined;
        },
        20_000,
      ),
    );
    const ep = await api<{ subsets?: { ports?: { port?: number; protocol?: string }[] }[] }>(
      `/api/v1/namespaces/${NS}/endpoints/udp-echo`,
    );
    expect(ep.subsets?.[0]?.ports).toEqual([expect.objectContaining({ port: 5353, protocol: "UDP" })]);
    for (const t of targets(svc, 53)) {
      // The proxies may program the Service a moment after its Endpoints: the first reply, bounded.
      await until(
        `an echo through ${t.via}`,
        async () => ((await udpAsk(t.ip, t.port, "first", 500)).endsWith(" first") ? true : undefined),
        5000,
        100,
      );
      const replies = await Promise.all(
        Array.from({ length: 20 }, (_, i) => udpAsk(t.ip, t.port, `ping ${t.via} ${i}`)),
      );
      const counts: Record<string, number> = {};
      for (const [i, reply] of replies.entries()) {
        const pod = reply.split(" ")[0] ?? "";
        expect(reply, t.via).toBe(`${pod} ping ${t.via} ${i}`);
        counts[pod] = (counts[pod] ?? 0) + 1;
      }
      report[`udp ${t.via}`] = pods.map((p) => counts[p] ?? 0);
      expect(Object.keys(counts).sort(), t.via).toEqual(pods);
      if (mode === "userspace") expect(Object.values(counts), t.via).toEqual([10, 10]);
    }
  }, 60_000);

  it("down --purge stops everything and leaves no ClusterIP address or proxy table behind", async () => {
    const labels = nodes.map(addressLabel);
    // Before: the ClusterIP sits on lo under one of this cluster's proxies' labels (nftables: and their tables).
    const line = (await loAddresses()).split("\n").find((l) => l.includes(` ${web.clusterIP}/32 `)) ?? "";
    expect(labels.some((l) => line.includes(l))).toBe(true);
    if (mode === "nftables") {
      const tables = (await run("nft", ["list", "tables", "ip"], {}, 10_000)).stdout;
      for (const n of nodes) expect(tables).toContain(tableNameFor(n));
    }
    const started = Date.now();
    await ok(["cluster", "down", "--purge"], 120_000);
    report.downMs = Date.now() - started;
    purged = true;
    expect(await clusterProcesses(home)).toEqual([]);
    expect(existsSync(home)).toBe(false);
    const after = await loAddresses();
    for (const label of labels) expect(after).not.toContain(label);
    const tables = (await run("nft", ["list", "tables", "ip"], {}, 10_000)).stdout;
    for (const n of nodes) expect(tables).not.toContain(tableNameFor(n));
  }, 130_000);
});
