import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Kubeconfig, kubeconfigPaths } from "./kubeconfig.js";

const dir = mkdtempSync(join(tmpdir(), "ktl-kubeconfig-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const config = (server: string, current: string) =>
  [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    `- name: c`,
    "  cluster:",
    `    server: ${server}`,
    "contexts:",
    `- name: ${current}`,
    "  context: {cluster: c, user: u, namespace: demo}",
    `current-context: ${current}`,
    "users:",
    "- name: u",
    "  user: {token: secret}",
  ].join("\n");

describe("kubeconfig", () => {
  it("picks --kubeconfig, then $KUBECONFIG, then $KTL_HOME/kubeconfig, then ~/.kube/config", () => {
    expect(kubeconfigPaths("/x", { KUBECONFIG: "/a:/b" })).toEqual(["/x"]);
    expect(kubeconfigPaths(undefined, { KUBECONFIG: "/a:/b" })).toEqual(["/a", "/b"]);
    writeFileSync(join(dir, "kubeconfig"), "");
    expect(kubeconfigPaths(undefined, { KTL_HOME: dir, HOME: "/home/u" })).toEqual([join(dir, "kubeconfig")]);
    expect(kubeconfigPaths(undefined, { KTL_HOME: "/nowhere", HOME: "/home/u" })).toEqual([
      "/home/u/.kube/config",
    ]);
  });

  it("merges files with the first one winning and writes contexts back", () => {
    const a = join(dir, "a");
    const b = join(dir, "b");
    writeFileSync(a, config("http://127.0.0.1:1", "one"));
    writeFileSync(b, config("http://127.0.0.1:2", "two"));
    const kc = Kubeconfig.load([a, b], false);
    expect(kc.currentContext()).toBe("one");
    expect(kc.contexts().map((c) => c.name)).toEqual(["one", "two"]);
    expect(kc.cluster("c")?.server).toBe("http://127.0.0.1:1");
    kc.setContext("two", { namespace: "prod" });
    expect(readFileSync(b, "utf8")).toContain("namespace: prod");
    kc.setCurrentContext("two");
    expect(Kubeconfig.load([a, b], false).currentContext()).toBe("two");
  });

  it("fails on a named file that does not exist", () => {
    expect(() => Kubeconfig.load([join(dir, "missing")], true)).toThrow("no such file or directory");
  });
});
