import { describe, expect, it } from "vitest";
import type { Node, Pod } from "@ktl/api";
import { notFound, toStatusError } from "@ktl/apimachinery";
import type { Reads } from "../registry/reads.js";
import { execTarget, exitStatus } from "./pod-exec.js";

const pod: Pod = {
  metadata: { name: "web", namespace: "default" },
  spec: { nodeName: "n1", containers: [{ name: "app" }, { name: "side" }] },
  status: { phase: "Running" },
};
const node: Node = { metadata: { name: "n1" } };

function reads(p: Pod = pod): Reads {
  return {
    get: (info: { resource: string }, _ns: string | undefined, name: string) => {
      if (info.resource === "pods" && name === p.metadata?.name) return Promise.resolve(p);
      if (info.resource === "nodes" && name === "n1") return Promise.resolve(node);
      return Promise.reject(notFound({ group: "", resource: info.resource }, name));
    },
  } as unknown as Reads;
}

const url = (query: string, name = "web") =>
  new URL(`http://apiserver/api/v1/namespaces/default/pods/${name}/exec?${query}`);

async function refusal(p: Promise<unknown>): Promise<[number, string]> {
  const { status } = toStatusError(await p.catch((e: unknown) => e));
  return [status.code, status.message ?? ""];
}

describe("execTarget", () => {
  it("takes the command, the container and the streams kubectl asks for", async () => {
    const target = await execTarget(
      reads(),
      url("command=sh&command=-c&command=echo+hi&container=side&stdout=true"),
    );
    expect(target).toMatchObject({
      namespace: "default",
      pod: "web",
      container: "side",
      command: ["sh", "-c", "echo hi"],
      stdout: true,
      stderr: false,
    });
    expect(target.node.metadata?.name).toBe("n1");
  });

  it("refuses what Kubernetes refuses, and interactive exec for now", async () => {
    expect(await refusal(execTarget(reads(), url("stdout=true&container=app")))).toEqual([
      400,
      "you must specify at least 1 command",
    ]);
    expect(await refusal(execTarget(reads(), url("command=true&stdout=true&container=nope")))).toEqual([
      400,
      "container nope is not valid for pod web",
    ]);
    expect(await refusal(execTarget(reads(), url("command=true&stdout=true")))).toEqual([
      400,
      "a container name must be specified for pod web, choose one of: [app side]",
    ]);
    for (const flag of ["stdin=true", "tty=true"]) {
      expect(
        await refusal(execTarget(reads(), url(`command=cat&stdout=true&container=app&${flag}`))),
      ).toEqual([400, "interactive exec is not supported yet: stdin/tty"]);
    }
    const done = { ...pod, status: { phase: "Succeeded" } };
    expect(await refusal(execTarget(reads(done), url("command=true&stdout=true&container=app")))).toEqual([
      400,
      "cannot exec into a container in a completed pod; current phase is Succeeded",
    ]);
    expect((await refusal(execTarget(reads(), url("command=true&stdout=true", "gone"))))[0]).toBe(404);
  });
});

describe("exitStatus", () => {
  it("writes Success, NonZeroExitCode with the code as cause, or the failure's Status", () => {
    const out = { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) };
    expect(JSON.stringify(exitStatus({ ...out, exitCode: 0 }, ["true"]))).toBe(
      '{"metadata":{},"status":"Success"}',
    );
    expect(exitStatus({ ...out, exitCode: 3 }, ["sh", "-c", "exit 3"])).toEqual({
      metadata: {},
      status: "Failure",
      message:
        "command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3",
      reason: "NonZeroExitCode",
      details: { causes: [{ reason: "ExitCode", message: "3" }] },
    });
    const status = toStatusError(notFound({ group: "", resource: "pods" }, "x")).status;
    expect(exitStatus({ status }, ["true"])).toBe(status);
  });
});
