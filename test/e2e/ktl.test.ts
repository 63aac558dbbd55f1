/**
 * End to end: the README tour with ktl against a real etcd, apiserver and
 * controller-manager (a fake kubelet marks pods Ready): apply
 * deploy/examples/web.yaml, get/describe in every output, a bounded watch,
 * scale, set image, rollout status/history/undo, label/annotate, delete with
 * wait, and kubectl's error messages and exit codes; then exec through the
 * apiserver's pods/exec WebSocket to a stand-in kubelet. Where ktl and the
 * real kubectl print the same objects, their output is compared.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findResource, type Node, type Pod } from "@ktl/api";
import { ApiClient } from "@ktl/client";
import {
  REPO_ROOT,
  startApiserver,
  startControllerManager,
  startEtcd,
  startFakeKubelet,
  type ApiserverProcess,
  type EtcdServer,
  type ServiceProcess,
} from "@ktl/testing";
import { KubectlRunner, writeKubeconfig, type KubectlResult } from "./kubectl-runner.js";

const KTL_MAIN = join(REPO_ROOT, "services/ktl/dist/main.js");
const WEB_YAML = join(REPO_ROOT, "deploy/examples/web.yaml");
const KUBECTL_132 = "/usr/lib/google-cloud-sdk/bin/kubectl.1.32";

function kubectlBinary(): string {
  try {
    accessSync(KUBECTL_132, constants.X_OK);
    return KUBECTL_132;
  } catch {
    return "kubectl";
  }
}

/** Runs the built ktl with its own kubeconfig and an empty HOME, as a user would. */
class Ktl {
  constructor(
    readonly dir: string,
    readonly kubeconfig: string,
  ) {}

  private env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return { PATH: process.env.PATH, HOME: this.dir, LANG: "C", ...extra };
  }

  run(
    args: readonly string[],
    options: { input?: string; env?: NodeJS.ProcessEnv } = {},
  ): Promise<KubectlResult> {
    return new Promise((resolve) => {
      const child = execFile(
        process.execPath,
        [KTL_MAIN, "--kubeconfig", this.kubeconfig, ...args],
        { env: this.env(options.env), timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
        (err, stdout, stderr) => {
          const failure = err as (Error & { code?: number | string }) | null;
          const code = !failure ? 0 : typeof failure.code === "number" ? failure.code : -1;
          resolve({ code, stdout, stderr });
        },
      );
      if (options.input !== undefined) child.stdin?.end(options.input);
    });
  }

  async ok(args: readonly string[], options?: { input?: string; env?: NodeJS.ProcessEnv }): Promise<string> {
    const result = await this.run(args, options);
    if (result.code !== 0)
      throw new Error(`ktl ${args.join(" ")} exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
    return result.stdout;
  }

  spawn(args: readonly string[]): ChildProcess {
    return spawn(process.execPath, [KTL_MAIN, "--kubeconfig", this.kubeconfig, ...args], {
      env: this.env(),
      stdio: ["ignore", "pipe", "pipe"],
    });
  }
}

let etcd: EtcdServer;
let apiserver: ApiserverProcess;
let controllers: ServiceProcess;
let client: ApiClient;
let stopKubelet: () => void;
let kubectl: KubectlRunner;
let ktl: Ktl;
let tmp: string;
const NS = ["-n", "demo"];

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "ktl-e2e-"));
  etcd = await startEtcd();
  apiserver = await startApiserver({ etcd: etcd.endpoint });
  controllers = await startControllerManager({
    apiserver: apiserver.grpcAddress,
    args: ["--controllers", "replicaset,deployment,garbage-collector,namespace", "--leader-elect", "false"],
  });
  client = new ApiClient(apiserver.grpcAddress);
  stopKubelet = startFakeKubelet({ client, startupMs: 100 });
  kubectl = await KubectlRunner.create(apiserver.url, kubectlBinary());
  const kubeconfig = join(tmp, "kubeconfig");
  await writeKubeconfig(kubeconfig, apiserver.url);
  ktl = new Ktl(tmp, kubeconfig);
});

afterAll(async () => {
  stopKubelet?.();
  client?.close();
  await kubectl?.dispose();
  await controllers?.stop();
  await apiserver?.stop();
  await etcd?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** Header and rows of a table (columns are 2+ spaces apart). */
function table(text: string): { header: string[]; rows: string[][] } {
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  const split = (line: string): string[] => line.trim().split(/\s{2,}/);
  return { header: split(lines[0] ?? ""), rows: lines.slice(1).map(split) };
}

/** Every block of a multi-kind `get` (separated by blank lines): header line and first cells. */
function blocks(text: string): { header: string; names: string[] }[] {
  return text
    .trim()
    .split(/\n\n/)
    .map((block) => {
      const [header = "", ...rows] = block.split("\n");
      return { header, names: rows.map((r) => r.split(/\s+/)[0] ?? "") };
    });
}

async function rolledOut(): Promise<void> {
  const out = await ktl.ok(["rollout", "status", "deploy/web", ...NS, "--timeout=60s"]);
  expect(out).toContain('deployment "web" successfully rolled out');
}

describe("ktl tour", () => {
  it("applies deploy/examples/web.yaml, then reports it unchanged to ktl and kubectl", async () => {
    expect(await ktl.ok(["apply", "-f", WEB_YAML])).toBe(
      "namespace/demo created\ndeployment.apps/web created\nservice/web created\n",
    );
    expect(await ktl.ok(["apply", "-f", WEB_YAML])).toBe(
      "namespace/demo unchanged\ndeployment.apps/web unchanged\nservice/web unchanged\n",
    );
    // ktl wrote the same last-applied annotation kubectl would.
    expect(await kubectl.ok(["apply", "-f", WEB_YAML])).toBe(
      "namespace/demo unchanged\ndeployment.apps/web unchanged\nservice/web unchanged\n",
    );
    await rolledOut();
  });

  it("gets several kinds with the same tables as kubectl", async () => {
    const args = ["get", "deploy,svc,rs", ...NS];
    const [ours, theirs] = [blocks(await ktl.ok(args)), blocks(await kubectl.ok(args))];
    expect(ours.map((b) => b.header)).toEqual(theirs.map((b) => b.header));
    expect(ours.map((b) => b.names)).toEqual(theirs.map((b) => b.names));
    expect(ours[0]?.names).toEqual(["deployment.apps/web"]);

    const wide = ["get", "pods", ...NS, "-o", "wide"];
    const [a, b] = [table(await ktl.ok(wide)), table(await kubectl.ok(wide))];
    expect(a.header).toEqual(b.header);
    expect(a.rows.map((r) => r[0]).sort()).toEqual(b.rows.map((r) => r[0]).sort());
    expect(a.rows).toHaveLength(3);

    const all = await ktl.ok(["get", "pods", "-A"]);
    expect(table(all).header).toEqual(["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"]);
    expect(table(all).rows.every((r) => r[0] === "demo" && r[2] === "1/1" && r[3] === "Running")).toBe(true);

    const expanded = blocks(await ktl.ok(["get", "all", ...NS]));
    expect(expanded.map((x) => x.header.split(/\s+/)[0])).toEqual(["NAME", "NAME", "NAME", "NAME"]);
    expect(expanded.map((x) => x.names[0]?.split("/")[0])).toEqual([
      "pod",
      "service",
      "deployment.apps",
      "replicaset.apps",
    ]);
  });

  it("prints yaml, json, name, jsonpath and custom columns, filtered by labels", async () => {
    for (const output of ["json", "yaml"]) {
      const args = ["get", "svc", "web", ...NS, "-o", output];
      expect(await ktl.ok(args)).toBe(await kubectl.ok(args));
    }
    const deploy = JSON.parse(await ktl.ok(["get", "deploy", "web", ...NS, "-o", "json"]));
    expect(deploy).toMatchObject({ kind: "Deployment", metadata: { name: "web", namespace: "demo" } });
    const list = await ktl.ok(["get", "deploy", ...NS, "-o", "yaml"]);
    expect(list).toMatch(/^apiVersion: v1\nitems:\n- apiVersion: apps\/v1\n {2}kind: Deployment\n/);
    expect(list.endsWith('kind: List\nmetadata:\n  resourceVersion: ""\n')).toBe(true);

    const names = (await ktl.ok(["get", "pods", ...NS, "-l", "app=web", "-o", "name"])).trim().split("\n");
    expect(names).toHaveLength(3);
    expect(names.every((n) => n.startsWith("pod/web-"))).toBe(true);
    expect(await ktl.ok(["get", "pods", ...NS, "-l", "app=nope", "-o", "name"])).toBe("");

    const path = '{range .items[*]}{.metadata.name}:{.spec.replicas}{"\\n"}{end}';
    expect(await ktl.ok(["get", "deploy", ...NS, "-o", `jsonpath=${path}`])).toBe("web:3\n");
    const columns = await ktl.ok([
      "get",
      "deploy",
      ...NS,
      "-o",
      "custom-columns=NAME:.metadata.name,IMAGE:.spec.template.spec.containers[*].image",
    ]);
    expect(columns).toBe("NAME   IMAGE\nweb    busybox:latest\n");

    const field = await ktl.ok(["get", "ns", "--field-selector", "metadata.name=demo", "-o", "name"]);
    expect(field).toBe("namespace/demo\n");
  });

  it("sorts with --sort-by as kubectl does, in tables and lists", async () => {
    for (const sortBy of [".metadata.name", "{.metadata.creationTimestamp}", ".status.podIP"]) {
      const args = ["get", "pods", ...NS, `--sort-by=${sortBy}`, "-o", "name"];
      expect(await ktl.ok(args), sortBy).toBe(await kubectl.ok(args));
    }
    const names = table(await ktl.ok(["get", "pods", ...NS, "--sort-by=.metadata.name"])).rows.map(
      (r) => r[0],
    );
    expect(names).toEqual([...(names as string[])].sort());
    expect(names).toHaveLength(3);
    const missing = ["get", "pods", ...NS, "--sort-by=.spec.nope", "-o", "name"];
    const [ours, theirs] = [await ktl.run(missing), await kubectl.run(missing)];
    expect(ours).toEqual({ ...theirs, code: 1 });
  });

  it("describes the deployment, its service and namespace exactly as kubectl", async () => {
    for (const target of [["deployment", "web"], ["service", "web"], ["namespace", "demo"], ["rs"]]) {
      const args = ["describe", ...target, ...NS];
      expect(await ktl.ok(args), args.join(" ")).toBe(await kubectl.ok(args));
    }
    const pods = await ktl.ok(["describe", "pods", ...NS]);
    expect(pods.match(/^Name: {2,}web-/gm)).toHaveLength(3);
    expect(pods).toContain("Controlled By:  ReplicaSet/web-");
    expect(pods).toMatch(/Events: +<none>\n$/);
  });

  it("watches a deployment and prints the change a scale makes", async () => {
    const child = ktl.spawn(["get", "deploy", "web", ...NS, "-w"]);
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    try {
      const waitFor = async (pattern: RegExp): Promise<void> => {
        const deadline = Date.now() + 30_000;
        while (!pattern.test(output) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
        expect(output).toMatch(pattern);
      };
      await waitFor(/^NAME +READY +UP-TO-DATE +AVAILABLE +AGE\nweb +3\/3 /);
      expect(await ktl.ok(["scale", "deploy/web", "--replicas=4", ...NS])).toBe(
        "deployment.apps/web scaled\n",
      );
      await waitFor(/\nweb +\d\/4 /);
      // Rows after the first keep the column widths: READY starts where the header's does.
      const lines = output.split("\n").filter(Boolean);
      expect(lines.slice(1).every((l) => l.indexOf("/") === (lines[0]?.indexOf("READY") ?? -1) + 1)).toBe(
        true,
      );
    } finally {
      child.kill("SIGTERM");
    }
    await rolledOut();
    expect(await ktl.ok(["get", "deploy", "web", ...NS, "-o", "jsonpath={.status.readyReplicas}"])).toBe("4");
  });

  it("rolls out a new image, lists the history and undoes it", async () => {
    expect(await ktl.ok(["set", "image", "deploy/web", "httpd=busybox:1.35", ...NS])).toBe(
      "deployment.apps/web image updated\n",
    );
    await rolledOut();
    expect(await ktl.ok(["rollout", "history", "deploy/web", ...NS])).toBe(
      "deployment.apps/web \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n",
    );
    const revision = ["rollout", "history", "deployment/web", ...NS, "--revision=2"];
    expect(await ktl.ok(revision)).toBe(await kubectl.ok(revision));
    expect(await ktl.ok(["rollout", "undo", "deploy/web", ...NS])).toBe("deployment.apps/web rolled back\n");
    await rolledOut();
    const image = "jsonpath={.spec.template.spec.containers[0].image}";
    expect(await ktl.ok(["get", "deploy", "web", ...NS, "-o", image])).toBe("busybox:latest");
    expect(await ktl.ok(["rollout", "history", "deploy/web", ...NS])).toBe(
      await kubectl.ok(["rollout", "history", "deploy/web", ...NS]),
    );
  });

  it("pauses, resumes and restarts with kubectl's messages", async () => {
    expect(await ktl.ok(["rollout", "pause", "deploy/web", ...NS])).toBe("deployment.apps/web paused\n");
    const again = await ktl.run(["rollout", "pause", "deploy/web", ...NS]);
    expect(again).toMatchObject({ code: 1, stderr: 'error: deployments.apps "web" is already paused\n' });
    expect(await ktl.ok(["rollout", "resume", "deploy/web", ...NS])).toBe("deployment.apps/web resumed\n");
    expect(await ktl.ok(["rollout", "restart", "deploy/web", ...NS])).toBe("deployment.apps/web restarted\n");
    await rolledOut();
  });

  it("labels and annotates, refusing to overwrite without --overwrite", async () => {
    expect(await ktl.ok(["label", "deploy", "web", "tier=fe", ...NS])).toBe("deployment.apps/web labeled\n");
    const conflict = await ktl.run(["label", "deploy", "web", "tier=be", ...NS]);
    expect(conflict).toMatchObject({
      code: 1,
      stderr: "error: 'tier' already has a value (fe), and --overwrite is false\n",
    });
    expect(await ktl.ok(["label", "deploy", "web", "tier=be", "--overwrite", ...NS])).toBe(
      "deployment.apps/web labeled\n",
    );
    expect(await ktl.ok(["annotate", "deploy/web", "note=hello", ...NS])).toBe(
      "deployment.apps/web annotated\n",
    );
    const shown = table(await ktl.ok(["get", "deploy", ...NS, "--show-labels"]));
    expect(shown.header.at(-1)).toBe("LABELS");
    expect(shown.rows[0]?.at(-1)).toBe("app=web,tier=be");
    expect(await ktl.ok(["label", "deploy", "web", "tier-", ...NS])).toBe("deployment.apps/web unlabeled\n");
    expect(await ktl.ok(["annotate", "deploy", "web", "note-", ...NS])).toBe(
      "deployment.apps/web annotated\n",
    );
    expect(await ktl.ok(["get", "deploy", "web", ...NS, "-o", "jsonpath={.metadata.labels}"])).toBe(
      '{"app":"web"}',
    );
  });

  it("fails like kubectl, with the same messages and exit code 1", async () => {
    for (const args of [
      ["get", "pods", "nope", ...NS],
      ["get", "foo"],
      ["delete", "deploy", "nope", ...NS],
      ["create", "-f", WEB_YAML],
      ["describe", "svc", "nope", ...NS],
      ["scale", "deploy/nope", "--replicas=1", ...NS],
    ]) {
      const [ours, theirs] = [await ktl.run(args), await kubectl.run(args)];
      expect({ code: ours.code, stderr: ours.stderr }, args.join(" ")).toEqual({
        code: 1,
        stderr: theirs.stderr,
      });
    }
    const empty = await ktl.run(["get", "pods"]);
    expect(empty).toEqual({ code: 0, stdout: "", stderr: "No resources found in default namespace.\n" });
    const flag = await ktl.run(["get", "pods", "--bogus"]);
    expect(flag).toMatchObject({
      code: 1,
      stderr: "error: unknown flag: --bogus\nSee 'ktl get --help' for usage.\n",
    });
  });

  it("names the file, document and line of a YAML error, and reads manifests from stdin", async () => {
    const bad = join(tmp, "bad.yaml");
    await writeFile(
      bad,
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\nkind: Pod\nmetadata:\n  name: x: y\n",
    );
    const result = await ktl.run(["apply", "-f", bad, ...NS]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `error: error parsing ${bad}: document 2, line 7: Nested mappings are not allowed in compact mappings\n`,
    );
    // Nothing from the file was applied: the whole file is read first.
    expect((await ktl.run(["get", "cm", "a", ...NS])).code).toBe(1);
    const config = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: '1'\n";
    expect(await ktl.ok(["apply", "-f", "-", ...NS], { input: config })).toBe("configmap/settings created\n");
    expect(await ktl.ok(["apply", "-f", "-", ...NS], { input: config.replace("a: '1'", "b: '2'") })).toBe(
      "configmap/settings configured\n",
    );
    // The key the new config dropped is gone; nothing else was.
    expect(await ktl.ok(["get", "cm", "settings", ...NS, "-o", "jsonpath={.data}"])).toBe('{"b":"2"}');
  });

  it("switches the namespace through the kubeconfig, as kubectl config does", async () => {
    const config = join(tmp, "config-copy");
    await writeKubeconfig(config, apiserver.url);
    const cfg = ["--kubeconfig", config];
    expect(await ktl.ok(["config", "current-context", ...cfg])).toBe("ktl\n");
    expect(await ktl.ok(["config", "set-context", "--current", "--namespace=demo", ...cfg])).toBe(
      'Context "ktl" modified.\n',
    );
    expect(await ktl.ok(["get", "deploy", "-o", "name", ...cfg])).toBe("deployment.apps/web\n");
    expect(await ktl.ok(["config", "get-contexts", ...cfg])).toBe(
      await kubectl.ok(["config", "get-contexts", "--kubeconfig", config]),
    );
    expect(await ktl.ok(["config", "view", ...cfg])).toBe(
      await kubectl.ok(["config", "view", "--kubeconfig", config]),
    );
    const missing = await ktl.run(["config", "use-context", "nope", ...cfg]);
    expect(missing).toMatchObject({ code: 1, stderr: 'error: no context exists with the name: "nope"\n' });
    expect(await readFile(config, "utf8")).toContain("namespace: demo");
  });

  it("lists API resources and versions like kubectl", async () => {
    expect(await ktl.ok(["api-resources"])).toBe(await kubectl.ok(["api-resources"]));
    const version = await ktl.ok(["version"]);
    expect(version).toMatch(/^Client Version: v\d+\.\d+\.\d+\nServer Version: v1\.\d+\.\d+/);
  });

  it("deletes the deployment and waits until it is gone, then the namespace", async () => {
    expect(await ktl.ok(["delete", "deploy", "web", ...NS])).toBe('deployment.apps "web" deleted\n');
    // --wait (the default) returned only once the object was gone.
    const after = await ktl.run(["get", "deploy", "web", ...NS]);
    expect(after).toMatchObject({
      code: 1,
      stderr: 'Error from server (NotFound): deployments.apps "web" not found\n',
    });
    expect(await ktl.ok(["delete", "-f", WEB_YAML, "--ignore-not-found", "--timeout=60s"])).toBe(
      'namespace "demo" deleted\nservice "web" deleted\n',
    );
    expect((await ktl.run(["get", "ns", "demo"])).code).toBe(1);
  });
});

/**
 * `ktl exec` through the real apiserver's pods/exec (WebSocket, remotecommand
 * v5) to a stand-in for the kubelet's `POST /exec/{ns}/{pod}/{container}`
 * (the apiserver's path when there is no NATS relay): ktl and kubectl must
 * print the same output and errors and exit with the same codes.
 */
describe("ktl exec", () => {
  const NODE = "exec-node";
  const POD = "exec-target";
  let kubeletStandIn: Server;

  beforeAll(async () => {
    kubeletStandIn = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://kubelet");
      const [, , , , container] = url.pathname.split("/").map(decodeURIComponent);
      const command = url.searchParams.getAll("command");
      const fail = command[0] === "fail";
      const answer = {
        stdout: Buffer.from(`${container}: ${command.join(" ")}\n`).toString("base64"),
        stderr: Buffer.from(fail ? "failing\n" : "").toString("base64"),
        exitCode: fail ? Number(command[1] ?? 1) : 0,
      };
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
    });
    await new Promise<void>((r) => kubeletStandIn.listen(0, "127.0.0.1", r));
    const port = (kubeletStandIn.address() as AddressInfo).port;
    const nodes = findResource("", "nodes")!;
    await client.create<Node>(nodes, undefined, { metadata: { name: NODE } });
    await client.patch<Node>(
      nodes,
      undefined,
      NODE,
      {
        status: {
          addresses: [{ type: "InternalIP", address: "127.0.0.1" }],
          daemonEndpoints: { kubeletEndpoint: { Port: port } },
        },
      },
      { subresource: "status" },
    );
    await client.create<Pod>(findResource("", "pods")!, "default", {
      metadata: { name: POD, namespace: "default" },
      spec: {
        nodeName: NODE,
        containers: [
          { name: "app", image: "busybox" },
          { name: "sidecar", image: "busybox" },
        ],
      },
    });
  });

  afterAll(async () => {
    await new Promise((r) => kubeletStandIn?.close(r));
  });

  it("runs commands and fails exactly as kubectl exec does", async () => {
    for (const args of [
      ["exec", POD, "--", "echo", "hello", "world"],
      ["exec", POD, "-c", "sidecar", "--", "fail", "3"],
      ["exec", `pod/${POD}`, "-q", "--", "ls"],
      ["exec", "nope", "--", "ls"],
      ["exec", POD, "-c", "nope", "--", "ls"],
      ["exec", POD],
    ]) {
      const [ours, theirs] = [await ktl.run(args), await kubectl.run(args)];
      expect(ours, args.join(" ")).toEqual(theirs);
    }
    expect(await ktl.run(["exec", POD, "-c", "sidecar", "--", "fail", "3"])).toEqual({
      code: 3,
      stdout: "sidecar: fail 3\n",
      stderr: "failing\ncommand terminated with exit code 3\n",
    });
    expect((await ktl.run(["exec", POD, "--", "ls"])).stderr).toBe(
      'Defaulted container "app" out of: app, sidecar\n',
    );
  });
});
