/**
 * End to end: the real kubectl binaries (1.27, the one on PATH, 1.33) against a
 * real apiserver on a real etcd. Every kubectl runs with its own empty HOME, so
 * its discovery cache starts fresh, and with a kubeconfig that points at the
 * apiserver without auth. One etcd and apiserver serve the whole file; each
 * binary works in its own namespace.
 */
import { execFile, spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApiserver, startEtcd, type ApiserverProcess, type EtcdServer } from "@ktl/testing";
import { writeKubeconfig } from "./kubectl-runner.js";

const SDK_BIN = "/usr/lib/google-cloud-sdk/bin";
/** Each kubectl call gets this long before it is killed and the test fails. */
const CALL_TIMEOUT_MS = 20_000;

interface Binary {
  /** Used in namespace and object names. */
  readonly tag: string;
  readonly path: string;
  /** The PATH one must exist; the versioned ones are skipped when missing. */
  readonly required: boolean;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  return (process.env.PATH ?? "")
    .split(delimiter)
    .filter(Boolean)
    .map((dir) => join(dir, name))
    .find(isExecutable);
}

const BINARIES: readonly Binary[] = [
  { tag: "v127", path: join(SDK_BIN, "kubectl.1.27"), required: false },
  // On this machine PATH's kubectl is gcloud's dispatcher, which runs the
  // kubectl matching the server's minor version.
  { tag: "path", path: onPath("kubectl") ?? "kubectl", required: true },
  // The brief names 1.32 as PATH's version; test it explicitly too.
  { tag: "v132", path: join(SDK_BIN, "kubectl.1.32"), required: false },
  { tag: "v133", path: join(SDK_BIN, "kubectl.1.33"), required: false },
];
const AVAILABLE = BINARIES.filter((b) => b.required || isExecutable(b.path));

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

let etcd: EtcdServer;
let apiserver: ApiserverProcess;
let tmp: string;
let kubeconfig: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "ktl-kubectl-e2e-"));
  etcd = await startEtcd();
  apiserver = await startApiserver({ etcd: etcd.endpoint });
  kubeconfig = join(tmp, "kubeconfig");
  await writeKubeconfig(kubeconfig, apiserver.url);
});

afterAll(async () => {
  await apiserver?.stop();
  await etcd?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

it("has a kubectl on PATH", () => {
  expect(onPath("kubectl"), "kubectl must be on PATH").toBeDefined();
});

/** Splits kubectl's table output into the header and rows (columns are 2+ spaces apart). */
function table(text: string): { header: string[]; rows: string[][] } {
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  const split = (line: string): string[] => line.trim().split(/\s{2,}/);
  return { header: split(lines[0] ?? ""), rows: lines.slice(1).map(split) };
}

const POD_COLUMNS = ["NAME", "READY", "STATUS", "RESTARTS", "AGE"];
const DEPLOY_COLUMNS = ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"];
const RS_COLUMNS = ["NAME", "DESIRED", "CURRENT", "READY", "AGE"];
const SVC_COLUMNS = ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"];
const WIDE_WORKLOAD = ["CONTAINERS", "IMAGES", "SELECTOR"];

describe.each(AVAILABLE)("kubectl $tag", (bin) => {
  const ns = `e2e-${bin.tag}`;
  let home: string;
  let files: string;

  const env = (): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, HOME: home, LANG: "C" });

  /** Runs kubectl and resolves with its exit code and output (never rejects). */
  function kubectl(...args: string[]): Promise<Result> {
    return new Promise((resolve) => {
      execFile(
        bin.path,
        ["--kubeconfig", kubeconfig, ...args],
        { env: env(), timeout: CALL_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 },
        (err, stdout, stderr) => {
          const failure = err as (Error & { code?: number | string; killed?: boolean }) | null;
          const code = !failure ? 0 : typeof failure.code === "number" ? failure.code : -1;
          const note = failure?.killed ? `\n[killed after ${CALL_TIMEOUT_MS} ms]` : "";
          resolve({ code, stdout, stderr: stderr + note });
        },
      );
    });
  }

  /** Runs kubectl, expects success, and returns stdout. */
  async function ok(...args: string[]): Promise<string> {
    const result = await kubectl(...args);
    expect(result.code, `kubectl ${args.join(" ")}\n${result.stderr}`).toBe(0);
    return result.stdout;
  }

  async function file(name: string, text: string): Promise<string> {
    const path = join(files, name);
    await writeFile(path, text);
    return path;
  }

  const appYaml = (image: string): string => `apiVersion: v1
kind: Namespace
metadata:
  name: ${ns}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: x
  namespace: ${ns}
  labels: {app: x}
spec:
  replicas: 1
  selector:
    matchLabels: {app: x}
  template:
    metadata:
      labels: {app: x}
    spec:
      containers:
      - name: c
        image: ${image}
---
apiVersion: v1
kind: Service
metadata:
  name: x
  namespace: ${ns}
spec:
  selector: {app: x}
  ports:
  - port: 80
    targetPort: 8080
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: x
  namespace: ${ns}
data:
  greeting: hello
`;

  beforeAll(async () => {
    home = join(tmp, `home-${bin.tag}`);
    files = join(tmp, `files-${bin.tag}`);
    await mkdir(home, { recursive: true });
    await mkdir(files, { recursive: true });
  });

  it("prints client and server version", async () => {
    const result = await kubectl("version");
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^Client Version: .*v1\.\d+\.\d+/m);
    expect(result.stdout).toMatch(/^Server Version: .*v1\.30\.0\+ktl/m);
  });

  it("applies a multi-document file: created, then configured/unchanged, then all unchanged", async () => {
    const app = await file("app.yaml", appYaml("nginx:1.25"));
    expect((await ok("apply", "-f", app)).trim().split("\n")).toEqual([
      `namespace/${ns} created`,
      "deployment.apps/x created",
      "service/x created",
      "configmap/x created",
    ]);

    await file("app.yaml", appYaml("nginx:1.26"));
    expect((await ok("apply", "-f", app)).trim().split("\n")).toEqual([
      `namespace/${ns} unchanged`,
      "deployment.apps/x configured",
      "service/x unchanged",
      "configmap/x unchanged",
    ]);

    expect((await ok("apply", "-f", app)).trim().split("\n")).toEqual([
      `namespace/${ns} unchanged`,
      "deployment.apps/x unchanged",
      "service/x unchanged",
      "configmap/x unchanged",
    ]);

    const live = JSON.parse(await ok("get", "deploy", "x", "-n", ns, "-o", "json"));
    expect(live.spec.template.spec.containers[0].image).toBe("nginx:1.26");
    const lastApplied = JSON.parse(
      live.metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"],
    );
    expect(lastApplied.spec.template.spec.containers[0].image).toBe("nginx:1.26");
  });

  it("creates pods and the other kinds `get` shows", async () => {
    const objects = await file(
      "objects.yaml",
      `apiVersion: v1
kind: Pod
metadata:
  name: p1
  namespace: ${ns}
  labels: {app: web, tier: fe, suite: ${bin.tag}}
spec:
  containers:
  - name: c
    image: busybox
  - name: d
    image: redis:7
---
apiVersion: v1
kind: Pod
metadata:
  name: p2
  namespace: ${ns}
  labels: {app: web, tier: be, suite: ${bin.tag}}
spec:
  containers:
  - name: c
    image: busybox
---
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: rs1
  namespace: ${ns}
spec:
  replicas: 2
  selector:
    matchLabels: {app: rs1}
  template:
    metadata:
      labels: {app: rs1}
    spec:
      containers:
      - name: c
        image: busybox
---
apiVersion: v1
kind: Endpoints
metadata:
  name: x
  namespace: ${ns}
subsets:
- addresses:
  - ip: 10.1.0.1
  ports:
  - port: 8080
---
apiVersion: v1
kind: Node
metadata:
  name: node-${bin.tag}
status:
  conditions:
  - type: Ready
    status: "True"
  addresses:
  - type: InternalIP
    address: 10.0.0.5
  nodeInfo:
    kubeletVersion: v1.30.0
    osImage: Debian GNU/Linux 12
    kernelVersion: "6.1"
    containerRuntimeVersion: containerd://1.7.0
`,
    );
    expect((await ok("create", "-f", objects)).trim().split("\n")).toEqual([
      "pod/p1 created",
      "pod/p2 created",
      "replicaset.apps/rs1 created",
      "endpoints/x created",
      `node/node-${bin.tag} created`,
    ]);
    // kubectl's generators (1.33 sends these as protobuf).
    expect(await ok("create", "deployment", "web", "--image=nginx", "--replicas=0", "-n", ns)).toBe(
      "deployment.apps/web created\n",
    );
    expect(await ok("get", "deploy", "web", "-n", ns, "-o", "jsonpath={.spec.replicas}")).toBe("0");
  });

  it("gets pods, with -o wide, -l, -A, -o name", async () => {
    const pods = table(await ok("get", "pods", "-n", ns));
    expect(pods.header).toEqual(POD_COLUMNS);
    expect(pods.rows.map((r) => r[0])).toEqual(["p1", "p2"]);
    expect(pods.rows[0]).toEqual(["p1", "0/2", "Pending", "0", expect.stringMatching(/^\d+s$/)]);

    const wide = table(await ok("get", "pods", "-n", ns, "-o", "wide"));
    expect(wide.header).toEqual([...POD_COLUMNS, "IP", "NODE", "NOMINATED NODE", "READINESS GATES"]);
    expect(wide.rows[0]?.slice(5)).toEqual(["<none>", "<none>", "<none>", "<none>"]);

    const selected = table(await ok("get", "pods", "-n", ns, "-l", "tier=fe"));
    expect(selected.rows.map((r) => r[0])).toEqual(["p1"]);

    const all = table(await ok("get", "pods", "-A", "-l", `suite=${bin.tag}`));
    expect(all.header).toEqual(["NAMESPACE", ...POD_COLUMNS]);
    expect(all.rows.map((r) => [r[0], r[1]])).toEqual([
      [ns, "p1"],
      [ns, "p2"],
    ]);

    expect(await ok("get", "pods", "-n", ns, "-o", "name")).toBe("pod/p1\npod/p2\n");
    const none = await kubectl("get", "pods", "-n", ns, "-l", "tier=nothing");
    expect(none.code).toBe(0);
    expect(none.stderr).toContain(`No resources found in ${ns} namespace.`);
  });

  it("gets objects as yaml and json", async () => {
    const yaml = await ok("get", "pod", "p1", "-n", ns, "-o", "yaml");
    expect(yaml).toMatch(/^apiVersion: v1$/m);
    expect(yaml).toMatch(/^kind: Pod$/m);
    expect(yaml).toMatch(/^ {2}name: p1$/m);
    expect(yaml).toMatch(/^ {2}namespace: e2e-/m);
    expect(yaml).toMatch(/^ {2}phase: Pending$/m);

    const pod = JSON.parse(await ok("get", "pod", "p1", "-n", ns, "-o", "json"));
    expect(pod).toMatchObject({ apiVersion: "v1", kind: "Pod", metadata: { name: "p1", namespace: ns } });
    expect(pod.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);

    const list = JSON.parse(await ok("get", "pods", "-n", ns, "-o", "json"));
    expect(list.kind).toBe("List");
    expect(list.items.map((p: { metadata: { name: string } }) => p.metadata.name)).toEqual(["p1", "p2"]);
  });

  it("gets deployments, replicasets, services, endpoints, nodes and namespaces with Kubernetes' columns", async () => {
    const deploy = table(await ok("get", "deploy", "-n", ns));
    expect(deploy.header).toEqual(DEPLOY_COLUMNS);
    expect(deploy.rows.find((r) => r[0] === "x")?.slice(0, 4)).toEqual(["x", "0/1", "0", "0"]);

    const deployWide = table(await ok("get", "deploy", "x", "-n", ns, "-o", "wide"));
    expect(deployWide.header).toEqual([...DEPLOY_COLUMNS, ...WIDE_WORKLOAD]);
    expect(deployWide.rows[0]?.slice(5)).toEqual(["c", "nginx:1.26", "app=x"]);

    const rs = table(await ok("get", "rs", "-n", ns, "-o", "wide"));
    expect(rs.header).toEqual([...RS_COLUMNS, ...WIDE_WORKLOAD]);
    expect(rs.rows[0]).toEqual(["rs1", "2", "0", "0", expect.any(String), "c", "busybox", "app=rs1"]);

    const svc = table(await ok("get", "svc", "-n", ns));
    expect(svc.header).toEqual(SVC_COLUMNS);
    expect(svc.rows[0]?.[0]).toBe("x");
    expect(svc.rows[0]?.[1]).toBe("ClusterIP");
    expect(svc.rows[0]?.[4]).toBe("80/TCP");

    const ep = table(await ok("get", "ep", "-n", ns));
    expect(ep.header).toEqual(["NAME", "ENDPOINTS", "AGE"]);
    expect(ep.rows[0]?.slice(0, 2)).toEqual(["x", "10.1.0.1:8080"]);

    const nodes = table(await ok("get", "nodes"));
    expect(nodes.header).toEqual(["NAME", "STATUS", "ROLES", "AGE", "VERSION"]);
    expect(nodes.rows.find((r) => r[0] === `node-${bin.tag}`)).toEqual([
      `node-${bin.tag}`,
      "Ready",
      "<none>",
      expect.any(String),
      "v1.30.0",
    ]);
    const nodesWide = table(await ok("get", "node", `node-${bin.tag}`, "-o", "wide"));
    expect(nodesWide.header).toEqual([
      "NAME",
      "STATUS",
      "ROLES",
      "AGE",
      "VERSION",
      "INTERNAL-IP",
      "EXTERNAL-IP",
      "OS-IMAGE",
      "KERNEL-VERSION",
      "CONTAINER-RUNTIME",
    ]);
    expect(nodesWide.rows[0]?.slice(5)).toEqual([
      "10.0.0.5",
      "<none>",
      "Debian GNU/Linux 12",
      "6.1",
      "containerd://1.7.0",
    ]);

    const namespaces = table(await ok("get", "ns"));
    expect(namespaces.header).toEqual(["NAME", "STATUS", "AGE"]);
    expect(namespaces.rows.find((r) => r[0] === ns)?.[1]).toBe("Active");
    expect(namespaces.rows.find((r) => r[0] === "kube-system")?.[1]).toBe("Active");
  });

  it("gets all", async () => {
    const sections = (await ok("get", "all", "-n", ns))
      .trim()
      .split(/\n\s*\n/)
      .map(table);
    const byKind = (prefix: string) => sections.find((s) => s.rows[0]?.[0]?.startsWith(prefix));
    expect(byKind("pod/")?.header).toEqual(POD_COLUMNS);
    expect(byKind("pod/")?.rows.map((r) => r[0])).toEqual(["pod/p1", "pod/p2"]);
    expect(byKind("service/")?.header).toEqual(SVC_COLUMNS);
    expect(byKind("deployment.apps/")?.header).toEqual(DEPLOY_COLUMNS);
    expect(byKind("deployment.apps/")?.rows.map((r) => r[0])).toEqual([
      "deployment.apps/web",
      "deployment.apps/x",
    ]);
    expect(byKind("replicaset.apps/")?.header).toEqual(RS_COLUMNS);
  });

  it("watches pods with get -w", async () => {
    const child = spawn(
      bin.path,
      ["--kubeconfig", kubeconfig, "get", "pods", "-n", ns, "-w", "--request-timeout=30s"],
      { env: env(), stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    const rowsOf = (name: string) => out.split("\n").filter((l) => l.startsWith(`${name} `));
    const waitFor = async (what: string, done: () => boolean): Promise<void> => {
      const deadline = Date.now() + 10_000;
      while (!done()) {
        if (Date.now() > deadline || child.exitCode !== null) {
          throw new Error(`get -w: no ${what}; stdout:\n${out}\nstderr:\n${err}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    try {
      await waitFor("initial list", () => rowsOf("p2").length > 0);
      expect(table(out).header).toEqual(POD_COLUMNS);

      await ok("run", "w1", "--image=busybox", "-n", ns, "--restart=Never");
      await waitFor("row for the new pod", () => rowsOf("w1").length >= 1);
      await ok("label", "pod", "w1", "-n", ns, "seen=yes");
      await waitFor("row for the modified pod", () => rowsOf("w1").length >= 2);
      await ok("delete", "pod", "w1", "-n", ns);
      await waitFor("row for the deleted pod", () => rowsOf("w1").length >= 3);
      expect(rowsOf("w1")[0]).toMatch(/^w1\s+0\/1\s+Pending\s+0\s+\d+s$/);
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        const force = setTimeout(() => child.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(force);
      }
    }
  });

  it("scales a deployment", async () => {
    expect(await ok("scale", "deploy/x", "-n", ns, "--replicas=3")).toBe("deployment.apps/x scaled\n");
    expect(await ok("get", "deploy", "x", "-n", ns, "-o", "jsonpath={.spec.replicas}")).toBe("3");
  });

  it("describes a pod and a deployment", async () => {
    const pod = await ok("describe", "pod", "p1", "-n", ns);
    expect(pod).toMatch(/^Name:\s+p1$/m);
    expect(pod).toMatch(new RegExp(`^Namespace:\\s+${ns}$`, "m"));
    expect(pod).toMatch(/^Labels:\s+app=web$/m);
    expect(pod).toMatch(/^Status:\s+Pending$/m);
    expect(pod).toMatch(/^Containers:$/m);
    expect(pod).toMatch(/^\s+Image:\s+redis:7$/m);

    const deploy = await ok("describe", "deployment", "x", "-n", ns);
    expect(deploy).toMatch(/^Name:\s+x$/m);
    expect(deploy).toMatch(new RegExp(`^Namespace:\\s+${ns}$`, "m"));
    expect(deploy).toMatch(/^Labels:\s+app=x$/m);
    expect(deploy).toMatch(/^Selector:\s+app=x$/m);
    expect(deploy).toMatch(/^Replicas:\s+3 desired/m);
    expect(deploy).toMatch(/^StrategyType:\s+RollingUpdate$/m);
  });

  it("labels and annotates, and reads them back", async () => {
    expect(await ok("label", "pod", "p1", "-n", ns, "color=red")).toBe("pod/p1 labeled\n");
    // kubectl 1.27 says "annotate", later versions "annotated".
    expect(await ok("annotate", "pod", "p1", "-n", ns, "note=hello world")).toMatch(/^pod\/p1 annotated?\n$/);
    expect(
      await ok(
        "get",
        "pod",
        "p1",
        "-n",
        ns,
        "-o",
        "jsonpath={.metadata.labels.color}|{.metadata.annotations.note}",
      ),
    ).toBe("red|hello world");

    expect(await ok("label", "pod", "p1", "-n", ns, "color-")).toBe("pod/p1 unlabeled\n");
    const labels = JSON.parse(await ok("get", "pod", "p1", "-n", ns, "-o", "jsonpath={.metadata.labels}"));
    expect(labels).toEqual({ app: "web", tier: "fe", suite: bin.tag });

    const clash = await kubectl("label", "pod", "p1", "-n", ns, "tier=other");
    expect(clash.code).toBe(1);
    expect(clash.stderr).toContain("'tier' already has a value (fe), and --overwrite is false");
  });

  it("patches with --type merge, --type json and the default strategic merge", async () => {
    expect(
      await ok("patch", "pod", "p1", "-n", ns, "--type", "merge", "-p", '{"metadata":{"labels":{"m":"1"}}}'),
    ).toBe("pod/p1 patched\n");
    expect(
      await ok(
        "patch",
        "pod",
        "p1",
        "-n",
        ns,
        "--type",
        "json",
        "-p",
        '[{"op":"add","path":"/metadata/annotations/j","value":"2"}]',
      ),
    ).toBe("pod/p1 patched\n");
    // Strategic: containers merge by name, so only d changes.
    expect(
      await ok(
        "patch",
        "pod",
        "p1",
        "-n",
        ns,
        "-p",
        '{"spec":{"containers":[{"name":"d","image":"redis:7.2"}]}}',
      ),
    ).toBe("pod/p1 patched\n");
    const pod = JSON.parse(await ok("get", "pod", "p1", "-n", ns, "-o", "json"));
    expect(pod.metadata.labels.m).toBe("1");
    expect(pod.metadata.annotations.j).toBe("2");
    expect(pod.spec.containers.map((c: { name: string; image: string }) => `${c.name}=${c.image}`)).toEqual([
      "c=busybox",
      "d=redis:7.2",
    ]);
    expect(
      await ok("patch", "pod", "p1", "-n", ns, "--type", "merge", "-p", '{"metadata":{"labels":{"m":"1"}}}'),
    ).toBe("pod/p1 patched (no change)\n");
  });

  it("creates a namespace and deletes it into Terminating", async () => {
    const name = `foo-${bin.tag}`;
    expect(await ok("create", "namespace", name)).toBe(`namespace/${name} created\n`);
    expect(await ok("get", "ns", name, "-o", "jsonpath={.status.phase}")).toBe("Active");
    // Without a namespace controller the namespace stays Terminating, so do not wait.
    expect(await ok("delete", "namespace", name, "--wait=false")).toBe(`namespace "${name}" deleted\n`);
    const row = table(await ok("get", "ns", name)).rows[0];
    expect(row?.slice(0, 2)).toEqual([name, "Terminating"]);
    const refused = await kubectl("create", "configmap", "late", "-n", name);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("because it is being terminated");
  });

  it("refuses invalid objects with the field path", async () => {
    const bad = await file(
      "bad.yaml",
      `apiVersion: apps/v1
kind: Deployment
metadata:
  name: Bad_Name
  namespace: ${ns}
spec:
  replicas: -1
  selector:
    matchLabels: {app: bad}
  template:
    metadata:
      labels: {app: bad}
    spec:
      containers:
      - name: c
        image: nginx
`,
    );
    const result = await kubectl("apply", "-f", bad);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('The Deployment "Bad_Name" is invalid');
    expect(result.stderr).toContain("spec.replicas: Invalid value: -1: must be greater than or equal to 0");
    expect(result.stderr).toContain('metadata.name: Invalid value: "Bad_Name"');
  });

  it("refuses unknown fields with the server's strict validation error", async () => {
    const unknown = await file(
      "unknown.yaml",
      `apiVersion: apps/v1
kind: Deployment
metadata:
  name: unknown
  namespace: ${ns}
spec:
  selector:
    matchLabels: {app: u}
  template:
    metadata:
      labels: {app: u}
    spec:
      containers:
      - name: c
        image: nginx
        imagePullPolicyy: Always
`,
    );
    const result = await kubectl("apply", "-f", unknown);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'Error from server (BadRequest): error when creating "' +
        unknown +
        '": Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: ' +
        'unknown field "spec.template.spec.containers[0].imagePullPolicyy"',
    );

    // On an existing object apply sends a patch; the patched object is checked too.
    const patched = await file("unknown-cm.yaml", appYaml("nginx:1.26").split("---\n")[3] + "bogus: 1\n");
    const again = await kubectl("apply", "-f", patched);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('strict decoding error: unknown field "bogus"');
  });

  it("reports NotFound for a missing object", async () => {
    const result = await kubectl("get", "pod", "does-not-exist", "-n", ns);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('Error from server (NotFound): pods "does-not-exist" not found\n');
  });

  it("deletes by kind and name, and the object is gone when delete returns", async () => {
    expect(await ok("delete", "deployment", "web", "-n", ns)).toBe('deployment.apps "web" deleted\n');
    const gone = await kubectl("get", "deployment", "web", "-n", ns);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toBe('Error from server (NotFound): deployments.apps "web" not found\n');

    expect(await ok("delete", "pod", "p2", "-n", ns)).toBe('pod "p2" deleted\n');
    const pod = await kubectl("get", "pod", "p2", "-n", ns);
    expect(pod.code).toBe(1);
    expect(pod.stderr).toContain('Error from server (NotFound): pods "p2" not found');
  });

  it("deletes what a file describes with delete -f", async () => {
    const app = join(files, "app.yaml");
    // The namespace in the file only goes Terminating (no namespace controller), so do not wait for it.
    expect((await ok("delete", "-f", app, "--wait=false")).trim().split("\n")).toEqual([
      `namespace "${ns}" deleted`,
      'deployment.apps "x" deleted',
      'service "x" deleted',
      'configmap "x" deleted',
    ]);
    for (const [kind, display] of [
      ["deployment", 'deployments.apps "x"'],
      ["service", 'services "x"'],
      ["configmap", 'configmaps "x"'],
    ] as const) {
      const result = await kubectl("get", kind, "x", "-n", ns);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(`Error from server (NotFound): ${display} not found\n`);
    }
    expect(await ok("get", "ns", ns, "-o", "jsonpath={.status.phase}")).toBe("Terminating");
  });
});
