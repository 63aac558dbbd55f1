/**
 * `ktl apply --prune -l` against a real apiserver: what an earlier apply made
 * (it carries the last-applied annotation), matches the selector, lives in a
 * namespace the manifests touch (or is cluster-scoped) and is gone from the
 * manifests is deleted; anything else stays. Dry runs delete nothing.
 */
import { writeFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApiserver, startEtcd, type ApiserverProcess, type EtcdServer } from "@ktl/testing";
import { KtlRunner } from "./ktl-runner.js";

const configMap = (name: string, namespace = "default"): string =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\n  labels: {app: shop}\n`;
const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: {name: cart, namespace: default, labels: {app: shop}}
spec:
  selector: {matchLabels: {app: cart}}
  template:
    metadata: {labels: {app: cart}}
    spec: {containers: [{name: c, image: busybox}]}
`;
const NAMESPACE = "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop-extra, labels: {app: shop}}\n";

let etcd: EtcdServer;
let apiserver: ApiserverProcess;
let ktl: KtlRunner;

beforeAll(async () => {
  etcd = await startEtcd();
  apiserver = await startApiserver({ etcd: etcd.endpoint });
  ktl = await KtlRunner.create(apiserver.url);
});

afterAll(async () => {
  await ktl?.dispose();
  await apiserver?.stop();
  await etcd?.stop();
});

async function file(name: string, ...docs: string[]): Promise<string> {
  const path = ktl.path(name);
  await writeFile(path, docs.join("---\n"));
  return path;
}

const names = async (what: string, ...extra: string[]): Promise<string> =>
  (await ktl.ok(["get", what, "-l", "app=shop", "-o", "name", ...extra])).trim();

describe("ktl apply --prune", () => {
  it("deletes what an earlier apply made and the manifests dropped, and nothing else", async () => {
    const all = await file("all.yaml", configMap("front"), configMap("back"), DEPLOYMENT, NAMESPACE);
    await ktl.ok(["apply", "-f", all]);
    // Made without apply (no last-applied annotation), or in a namespace the manifests do not touch: kept.
    await ktl.ok(["create", "-f", "-"], configMap("handmade"));
    await ktl.ok(["create", "namespace", "elsewhere"]);
    await ktl.ok(["apply", "-f", "-"], configMap("remote", "elsewhere"));

    const one = await file("one.yaml", configMap("front"));
    for (const [mode, said] of [
      ["client", " (dry run)"],
      ["server", " (server dry run)"],
    ])
      expect(await ktl.ok(["apply", "-f", one, "--prune", "-l", "app=shop", `--dry-run=${mode}`])).toBe(
        `configmap/front ${mode === "client" ? "configured" : "unchanged"}${said}\n` +
          `configmap/back pruned${said}\ndeployment.apps/cart pruned${said}\nnamespace/shop-extra pruned${said}\n`,
      );
    expect(await names("cm")).toBe("configmap/back\nconfigmap/front\nconfigmap/handmade");

    expect(await ktl.ok(["apply", "-f", one, "--prune", "-l", "app=shop"])).toBe(
      "configmap/front unchanged\nconfigmap/back pruned\ndeployment.apps/cart pruned\nnamespace/shop-extra pruned\n",
    );
    expect(await names("cm")).toBe("configmap/front\nconfigmap/handmade");
    expect(await names("deploy")).toBe("");
    expect(await names("cm", "-n", "elsewhere")).toBe("configmap/remote");
    // Nothing left to prune among the kinds allowed (the namespace, with no
    // namespace controller here, stays Terminating and would be deleted again).
    const allow = ["--prune-allowlist=core/v1/ConfigMap", "--prune-allowlist=apps/v1/Deployment"];
    expect(await ktl.ok(["apply", "-f", one, "--prune", "-l", "app=shop", ...allow])).toBe(
      "configmap/front unchanged\n",
    );
  });

  it("refuses kubectl's bad combinations before applying anything", async () => {
    const one = await file("one.yaml", configMap("front"));
    for (const [args, stderr] of [
      [
        ["--prune"],
        "error: all resources selected for prune without explicitly passing --all. To prune all resources, pass the --all flag. If you did not mean to prune all resources, specify a label selector\n",
      ],
      [["--prune", "--all", "-l", "a=b"], "error: cannot set --all and --selector at the same time\n"],
      [
        ["--prune", "--all", "--prune-allowlist=core/v1"],
        "error: invalid GroupVersionKind format: core/v1, please follow <group/version/kind>\n",
      ],
      [["-l", "app=other"], "error: no objects passed to apply\n"],
    ] as const)
      expect(await ktl.run(["apply", "-f", one, ...args])).toEqual({ code: 1, stdout: "", stderr });
  });
});
