import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { runCli } from "../cli/run.js";
import { registry } from "./index.js";

/** A fake apiserver: discovery, two pods, and an exec that echoes its command on the remotecommand protocol. */
const PODS: Record<string, unknown> = {
  web: {
    metadata: { name: "web", namespace: "demo" },
    spec: { containers: [{ name: "httpd" }, { name: "sidecar" }], initContainers: [{ name: "setup" }] },
    status: { phase: "Running" },
  },
  done: {
    metadata: { name: "done", namespace: "demo" },
    spec: { containers: [{ name: "c" }] },
    status: { phase: "Succeeded" },
  },
};

const frame = (channel: number, text: string): Buffer =>
  Buffer.concat([Buffer.from([channel]), Buffer.from(text)]);

let server: Server;
let url: string;
const execs: URL[] = [];

beforeAll(async () => {
  const wss = new WebSocketServer({ noServer: true, handleProtocols: () => "v5.channel.k8s.io" });
  server = createServer((req, res) => {
    const reply = (code: number, body: unknown): void => {
      res.writeHead(code, { "Content-Type": "application/json" }).end(JSON.stringify(body));
    };
    const path = new URL(req.url ?? "", "http://x").pathname;
    if (path === "/api") return reply(200, { versions: ["v1"] });
    if (path === "/apis") return reply(200, { groups: [] });
    if (path === "/api/v1")
      return reply(200, {
        groupVersion: "v1",
        resources: [{ name: "pods", singularName: "pod", namespaced: true, kind: "Pod", shortNames: ["po"] }],
      });
    const m = /^\/api\/v1\/namespaces\/demo\/pods\/([^/]+)$/.exec(path);
    const pod = m ? PODS[m[1] ?? ""] : undefined;
    if (pod) return reply(200, pod);
    reply(404, {
      kind: "Status",
      status: "Failure",
      reason: "NotFound",
      code: 404,
      message: `pods "${m?.[1] ?? path}" not found`,
    });
  });
  server.on("upgrade", (req, socket, head) => {
    const target = new URL(req.url ?? "", "http://x");
    execs.push(target);
    wss.handleUpgrade(req, socket, head, (ws) => {
      const command = target.searchParams.getAll("command");
      const code = Number(command.at(-1));
      ws.send(frame(1, `ran ${command.join(" ")} in ${target.searchParams.get("container")}\n`));
      ws.send(frame(2, "to stderr\n"));
      const status =
        code > 0
          ? {
              status: "Failure",
              reason: "NonZeroExitCode",
              details: { causes: [{ reason: "ExitCode", message: String(code) }] },
            }
          : { metadata: {}, status: "Success" };
      ws.send(frame(3, JSON.stringify(status)));
      ws.close(1000);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
});

async function ktl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (c: Buffer) => (out += c.toString()));
  stderr.on("data", (c: Buffer) => (err += c.toString()));
  const code = await runCli(
    ["--server", url, "-n", "demo", ...args],
    { stdout, stderr, stdin: new PassThrough(), env: { KUBECONFIG: "/nonexistent" } },
    registry,
  );
  return { code, stdout: out, stderr: err };
}

describe("ktl exec", () => {
  it("runs the command in the named container and copies its output", async () => {
    expect(await ktl("exec", "web", "-c", "sidecar", "--", "sh", "-c", "echo hi")).toEqual({
      code: 0,
      stdout: "ran sh -c echo hi in sidecar\n",
      stderr: "to stderr\n",
    });
    const last = execs.at(-1);
    expect(last?.pathname).toBe("/api/v1/namespaces/demo/pods/web/exec");
    expect(last?.searchParams.get("stdout")).toBe("true");
    expect(last?.searchParams.get("stderr")).toBe("true");
    expect(last?.searchParams.has("stdin")).toBe(false);
  });

  it("defaults to the first container, saying so when there are several", async () => {
    const result = await ktl("exec", "pod/web", "--", "ls", "-l");
    expect(result.stdout).toBe("ran ls -l in httpd\n");
    expect(result.stderr).toBe(
      'Defaulted container "httpd" out of: httpd, sidecar, setup (init)\nto stderr\n',
    );
    expect((await ktl("exec", "-q", "web", "--", "ls")).stderr).toBe("to stderr\n");
  });

  it("exits with the command's exit code, as kubectl does", async () => {
    expect(await ktl("exec", "web", "-c", "httpd", "--", "exit", "3")).toEqual({
      code: 3,
      stdout: "ran exit 3 in httpd\n",
      stderr: "to stderr\ncommand terminated with exit code 3\n",
    });
  });

  it("fails with kubectl's messages", async () => {
    const cases: [string[], string][] = [
      [["exec", "nope", "--", "ls"], 'Error from server (NotFound): pods "nope" not found\n'],
      [
        ["exec", "web", "ls"],
        "error: exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead\nSee 'ktl exec -h' for help and examples\n",
      ],
      [["exec", "web"], "error: you must specify at least one command for the container\n"],
      [["exec", "web", "--"], "error: you must specify at least one command for the container\n"],
      [["exec"], "error: pod, type/name or --filename must be specified\n"],
      [
        ["exec", "done", "--", "ls"],
        "error: cannot exec into a container in a completed pod; current phase is Succeeded\n",
      ],
    ];
    for (const [args, stderr] of cases)
      expect(await ktl(...args), args.join(" ")).toEqual({ code: 1, stdout: "", stderr });
    const interactive = await ktl("exec", "-it", "web", "--", "sh");
    expect(interactive.code).toBe(1);
    expect(interactive.stderr).toMatch(/^error: .*-i\/--stdin and -t\/--tty are not supported yet/);
  });
});
