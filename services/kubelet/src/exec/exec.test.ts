import { describe, expect, it } from "vitest";
import { toStatusError } from "@ktl/apimachinery";
import { CriCode, CriError, type ExecSyncRequest } from "@ktl/cri";
import type { RunningPod } from "../pods/pod-manager.js";
import { makeExecutor } from "./exec.js";

const pods: RunningPod[] = [
  {
    uid: "u1",
    namespace: "default",
    name: "web",
    containers: [
      { id: "old", name: "app", state: "CONTAINER_EXITED" },
      { id: "cur", name: "app", state: "CONTAINER_RUNNING" },
      { id: "dead", name: "side", state: "CONTAINER_EXITED" },
    ],
  },
];

function executor(execSync: (req: ExecSyncRequest) => Promise<unknown>) {
  return makeExecutor({
    runtime: { execSync: execSync as never },
    runningPods: () => pods,
    timeoutSeconds: 7,
  });
}

const request = { namespace: "default", pod: "web", container: "app", command: ["sh", "-c", "exit 3"] };

describe("makeExecutor", () => {
  it("runs the command in the running instance of the container, with the timeout", async () => {
    const calls: ExecSyncRequest[] = [];
    const exec = executor((req) => {
      calls.push(req);
      return Promise.resolve({ stdout: Buffer.from("hi\n"), stderr: Buffer.from("err\n"), exitCode: 3 });
    });
    const result = await exec(request);
    expect(calls).toEqual([{ containerId: "cur", cmd: ["sh", "-c", "exit 3"], timeout: 7 }]);
    expect(Buffer.from(result.stdout).toString()).toBe("hi\n");
    expect(Buffer.from(result.stderr).toString()).toBe("err\n");
    expect(result.exitCode).toBe(3);
  });

  it("answers the kubelet's 'container not found' for a container that is not running or a pod it does not run", async () => {
    const exec = executor(() => Promise.reject(new Error("not called")));
    for (const req of [
      { ...request, container: "side" },
      { ...request, pod: "other" },
    ]) {
      const { status } = toStatusError(await exec(req).catch((e: unknown) => e));
      expect(status.code).toBe(404);
      expect(status.message).toBe(`container not found (${JSON.stringify(req.container)})`);
    }
  });

  it("refuses an empty command and reports runtime failures as internal errors", async () => {
    const exec = executor(() =>
      Promise.reject(new CriError({ code: CriCode.UNKNOWN, message: "boom", method: "ExecSync" })),
    );
    const empty = toStatusError(await exec({ ...request, command: [] }).catch((e: unknown) => e)).status;
    expect([empty.code, empty.message]).toEqual([400, "you must specify at least 1 command"]);
    const failed = toStatusError(await exec(request).catch((e: unknown) => e)).status;
    expect(failed.code).toBe(500);
    expect(failed.message).toMatch(/^Internal error occurred: error executing command in container: boom$/);
  });
});
