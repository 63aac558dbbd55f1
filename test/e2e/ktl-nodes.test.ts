/**
 * End to end: ktl's node and pod verbs against a real etcd and apiserver —
 * logs through the apiserver's pod-log proxy to a stand-in kubelet
 * `/containerLogs` server on loopback, describe node (compared with the real
 * kubectl), cordon/uncordon, drain's refusals and deletions, edit through
 * $EDITOR (and its re-open on a server error), and get --watch-only.
 */
import { execFile, spawn } from "node:child_process";
import { accessSync, constants, existsSync } from "node:fs";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, startApiserver, startEtcd, type ApiserverProcess, type EtcdServer } from "@ktl/testing";
import { KubectlRunner, writeKubeconfig, type KubectlResult } from "./kubectl-runner.js";

const KTL_MAIN = join(REPO_ROOT, "services/ktl/dist/main.js");
const KUBECTL_132 = "/usr/lib/google-cloud-sdk/bin/kubectl.1.32";

let etcd: EtcdServer;
let apiserver: ApiserverProcess;
let kubectl: KubectlRunner;
let kubelet: Server;
let tmp: string;
let kubeconfig: string;
/** The query strings the stand-in kubelet was asked. */
const logRequests: URL[] = [];

function ktl(
  args: readonly string[],
  options: { input?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<KubectlResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [KTL_MAIN, "--kubeconfig", kubeconfig, ...args],
      { env: { PATH: process.env.PATH, HOME: tmp, ...options.env }, timeout: 60_000 },
      (err, stdout, stderr) => {
        const failure = err as (Error & { code?: number | string }) | null;
        resolve({
          code: !failure ? 0 : typeof failure.code === "number" ? failure.code : -1,
          stdout,
          stderr,
        });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

async function ok(
  args: readonly string[],
  options?: { input?: string; env?: NodeJS.ProcessEnv },
): Promise<string> {
  const result = await ktl(args, options);
  if (result.code !== 0)
    throw new Error(`ktl ${args.join(" ")} exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

const LOG_LINES = ["2026-01-01T00:00:01Z one", "2026-01-01T00:00:02Z two", "2026-01-01T00:00:03Z three"];

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "ktl-nodes-e2e-"));
  etcd = await startEtcd();
  apiserver = await startApiserver({ etcd: etcd.endpoint });
  kubeconfig = join(tmp, "kubeconfig");
  await writeKubeconfig(kubeconfig, apiserver.url);
  let binary = "kubectl";
  try {
    accessSync(KUBECTL_132, constants.X_OK);
    binary = KUBECTL_132;
  } catch {
    // PATH's kubectl
  }
  kubectl = await KubectlRunner.create(apiserver.url, binary);
  // Answers /containerLogs/{ns}/{pod}/{container} as a kubelet would, honouring tailLines and timestamps.
  kubelet = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    logRequests.push(url);
    if (!url.pathname.startsWith("/containerLogs/default/logger/app")) {
      res.writeHead(404).end();
      return;
    }
    const tail = url.searchParams.get("tailLines");
    const lines = tail ? LOG_LINES.slice(-Number(tail)) : LOG_LINES;
    const stamped = url.searchParams.get("timestamps") === "true";
    res.writeHead(200, { "content-type": "text/plain" });
    res.end(lines.map((l) => (stamped ? l : l.slice(l.indexOf(" ") + 1)) + "\n").join(""));
  });
  await new Promise<void>((resolve) => kubelet.listen(0, "127.0.0.1", resolve));
  const port = (kubelet.address() as AddressInfo).port;
  const node = {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: "n1",
      labels: { "kubernetes.io/hostname": "n1", "node-role.kubernetes.io/worker": "" },
    },
    spec: { podCIDR: "10.244.1.0/24" },
    status: {
      capacity: { cpu: "4", memory: "8Gi", pods: "110" },
      allocatable: { cpu: "4", memory: "8Gi", pods: "110" },
      addresses: [
        { type: "InternalIP", address: "127.0.0.1" },
        { type: "Hostname", address: "n1" },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: port } },
      nodeInfo: {
        kubeletVersion: "v1.30.0",
        osImage: "Debian",
        kernelVersion: "6.1",
        architecture: "amd64",
        operatingSystem: "linux",
      },
      conditions: [
        {
          type: "Ready",
          status: "True",
          reason: "KubeletReady",
          message: "kubelet is posting ready status",
          lastHeartbeatTime: "2026-01-01T00:00:00Z",
          lastTransitionTime: "2026-01-01T00:00:00Z",
        },
      ],
    },
  };
  const pod = (name: string, owner?: { kind: string; name: string }) => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: "default",
      ...(owner
        ? {
            ownerReferences: [
              { apiVersion: "apps/v1", ...owner, uid: `uid-${owner.name}`, controller: true },
            ],
          }
        : {}),
    },
    spec: {
      nodeName: "n1",
      containers: [
        {
          name: "app",
          image: "busybox",
          resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { memory: "128Mi" } },
        },
      ],
    },
  });
  const items = [node, pod("logger"), pod("agent", { kind: "DaemonSet", name: "agents" })];
  expect(
    await ok(["apply", "-f", "-"], { input: JSON.stringify({ apiVersion: "v1", kind: "List", items }) }),
  ).toBe("node/n1 created\npod/logger created\npod/agent created\n");
});

afterAll(async () => {
  await kubectl?.dispose();
  await new Promise<void>((resolve) => (kubelet ? kubelet.close(() => resolve()) : resolve()));
  await apiserver?.stop();
  await etcd?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe("ktl logs", () => {
  it("streams a container's log through the apiserver with --tail and --timestamps", async () => {
    expect(await ok(["logs", "logger"])).toBe("one\ntwo\nthree\n");
    expect(await ok(["logs", "pod/logger", "--tail=2", "--timestamps", "-c", "app"])).toBe(
      "2026-01-01T00:00:02Z two\n2026-01-01T00:00:03Z three\n",
    );
    const last = logRequests.at(-1);
    expect(last?.searchParams.get("tailLines")).toBe("2");
    expect(last?.searchParams.get("container")).toBe("app");
    await ok(["logs", "logger", "--since=5m"]);
    expect(logRequests.at(-1)?.searchParams.get("sinceSeconds")).toBe("300");
  });

  it("reports the server's errors as kubectl does", async () => {
    for (const args of [
      ["logs", "nope"],
      ["logs", "logger", "-c", "other"],
    ]) {
      const [ours, theirs] = [await ktl(args), await kubectl.run(args)];
      expect({ code: ours.code, stderr: ours.stderr }).toEqual({ code: 1, stderr: theirs.stderr });
    }
  });
});

describe("ktl nodes", () => {
  it("gets and describes a node as kubectl does", async () => {
    const ages = (text: string): string => text.replace(/ {2,}\d+[smhd]\d*[smh]?$/gm, "  AGE");
    expect(ages(await ok(["describe", "node", "n1"]))).toBe(
      ages(await kubectl.ok(["describe", "node", "n1"])),
    );
    const header = (text: string): string => text.split("\n")[0] ?? "";
    expect(header(await ok(["get", "nodes", "-o", "wide"]))).toBe(
      header(await kubectl.ok(["get", "nodes", "-o", "wide"])),
    );
  });

  it("cordons and uncordons", async () => {
    expect(await ok(["cordon", "n1"])).toBe("node/n1 cordoned\n");
    expect(await ok(["cordon", "n1"])).toBe("node/n1 already cordoned\n");
    expect(await ok(["get", "node", "n1", "-o", "jsonpath={.spec.unschedulable}"])).toBe("true");
    expect(await ok(["uncordon", "node/n1"])).toBe("node/n1 uncordoned\n");
    expect(await ok(["get", "node", "n1", "-o", "jsonpath={.spec.unschedulable}"])).toBe("");
  });

  it("refuses to drain unmanaged and DaemonSet pods without --force and --ignore-daemonsets", async () => {
    const result = await ktl(["drain", "n1", "--timeout=20s"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("node/n1 cordoned\n");
    expect(result.stderr).toContain(`error: unable to drain node "n1" due to error: `);
    expect(result.stderr).toContain(
      "cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): default/agent",
    );
    expect(result.stderr).toContain(
      "cannot delete Pods that declare no controller (use --force to override): default/logger",
    );
    expect(await ok(["get", "pods", "-o", "name"])).toBe("pod/agent\npod/logger\n");
  });

  it("drains: deletes the pods it may, waits for them, leaves DaemonSet pods", async () => {
    const result = await ktl([
      "drain",
      "n1",
      "--force",
      "--ignore-daemonsets",
      "--grace-period=0",
      "--timeout=30s",
    ]);
    expect(result).toMatchObject({
      code: 0,
      stdout: "node/n1 already cordoned\npod/logger deleted\nnode/n1 drained\n",
    });
    expect(result.stderr).toContain("Warning: ignoring DaemonSet-managed Pods: default/agent");
    expect(result.stderr).toContain("Warning: deleting Pods that declare no controller: default/logger");
    expect(await ok(["get", "pods", "-o", "name"])).toBe("pod/agent\n");
    expect(await ok(["uncordon", "n1"])).toBe("node/n1 uncordoned\n");
  });
});

describe("ktl edit", () => {
  it("applies what the editor changed, and cancels when nothing did", async () => {
    await ok(["create", "-f", "-"], {
      input:
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: slow\n  drop: me\n",
    });
    const editor = "sed -i -e s/mode:\\ slow/mode:\\ fast/ -e /drop:/d";
    expect(await ok(["edit", "cm", "settings"], { env: { EDITOR: editor } })).toBe(
      "configmap/settings edited\n",
    );
    expect(await ok(["get", "cm", "settings", "-o", "jsonpath={.data}"])).toBe('{"mode":"fast"}');
    expect(await ok(["edit", "cm/settings"], { env: { KUBE_EDITOR: "true" } })).toBe(
      "Edit cancelled, no changes made.\n",
    );
  });

  it("reopens the file with the server's error, and gives up when it comes back unchanged", async () => {
    const marker = join(tmp, "reopened");
    const script = join(tmp, "editor.sh");
    // First round: an invalid change (a key ConfigMaps refuse); second round: nothing.
    await writeFile(
      script,
      `#!/bin/sh\nif grep -q '^# .* was not valid' "$1"; then touch ${marker}; else sed -i 's/^  mode: fast$/  "bad key!": fast/' "$1"; fi\n`,
    );
    await chmod(script, 0o755);
    const result = await ktl(["edit", "cm", "settings"], { env: { EDITOR: script } });
    expect(existsSync(marker)).toBe(true);
    expect(result).toMatchObject({
      code: 1,
      stderr: "error: Edit cancelled, no valid changes were saved.\n",
    });
    expect(await ok(["get", "cm", "settings", "-o", "jsonpath={.data}"])).toBe('{"mode":"fast"}');
  });
});

describe("ktl get --watch-only", () => {
  it("prints the header with the first change and nothing from before", async () => {
    const child = spawn(
      process.execPath,
      [KTL_MAIN, "--kubeconfig", kubeconfig, "get", "cm", "--watch-only"],
      {
        env: { PATH: process.env.PATH, HOME: tmp },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    try {
      await new Promise((r) => setTimeout(r, 1500));
      expect(output).toBe("");
      await ok(["create", "-f", "-"], {
        input: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fresh\n",
      });
      const deadline = Date.now() + 20_000;
      while (!/\nfresh /.test(output) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(output).toMatch(/^NAME +DATA +AGE\nfresh +0 +\d+s\n$/);
    } finally {
      child.kill("SIGTERM");
    }
  });
});
