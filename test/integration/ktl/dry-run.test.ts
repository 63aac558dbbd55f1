/**
 * ktl's --dry-run against a real apiserver and etcd: client dry runs send no
 * write, server dry runs send `dryRun=All` and the server validates, defaults
 * and answers without storing; either way etcd is left exactly as it was.
 */
import { writeFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Etcd3 } from "etcd3";
import { startApiserver, startEtcd, type ApiserverProcess, type EtcdServer } from "@ktl/testing";
import { KtlRunner } from "./ktl-runner.js";

const MANIFEST = `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  a: "1"
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: httpd
        image: busybox
`;
const NODE = "apiVersion: v1\nkind: Node\nmetadata:\n  name: n1\n";

let etcd: EtcdServer;
let apiserver: ApiserverProcess;
let store: Etcd3;
let ktl: KtlRunner;
let manifest: string;

beforeAll(async () => {
  etcd = await startEtcd();
  apiserver = await startApiserver({ etcd: etcd.endpoint });
  store = new Etcd3({ hosts: etcd.endpoint });
  ktl = await KtlRunner.create(apiserver.url);
  manifest = ktl.path("web.yaml");
  await writeFile(manifest, MANIFEST);
});

afterAll(async () => {
  store?.close();
  await ktl?.dispose();
  await apiserver?.stop();
  await etcd?.stop();
});

/** Every key in etcd with the revision it was last written at. */
async function snapshot(): Promise<Map<string, string>> {
  const res = await store.getAll().prefix("").exec();
  return new Map(res.kvs.map((kv) => [kv.key.toString(), kv.mod_revision]));
}

/** Runs `body` and checks it changed nothing in etcd. */
async function writesNothing(body: () => Promise<void>): Promise<void> {
  const before = await snapshot();
  await body();
  expect(await snapshot()).toEqual(before);
}

describe("ktl --dry-run", () => {
  it("creates nothing, printing what kubectl prints", async () => {
    await writesNothing(async () => {
      for (const [mode, said] of [
        ["client", "(dry run)"],
        ["server", "(server dry run)"],
      ]) {
        expect(await ktl.ok(["create", "-f", manifest, `--dry-run=${mode}`])).toBe(
          `configmap/settings created ${said}\ndeployment.apps/web created ${said}\n`,
        );
        expect(await ktl.ok(["apply", "-f", manifest, `--dry-run=${mode}`])).toBe(
          `configmap/settings created ${said}\ndeployment.apps/web created ${said}\n`,
        );
        expect(await ktl.ok(["create", "namespace", "dry", `--dry-run=${mode}`])).toBe(
          `namespace/dry created ${said}\n`,
        );
      }
      // -o yaml: a client dry run prints what it would send, a server one what the server made of it.
      const sent = await ktl.ok(["apply", "-f", "-", "--dry-run=client", "-o", "yaml"], NODE);
      expect(sent).toContain("kubectl.kubernetes.io/last-applied-configuration");
      expect(sent).not.toContain("uid:");
      const made = await ktl.ok(["create", "-f", manifest, "--dry-run=server", "-o", "yaml"]);
      expect(made.split("---\n")).toHaveLength(2);
      expect(made).toMatch(/uid: /);
      expect(made).toContain("progressDeadlineSeconds: 600"); // defaulted by the server
      const both = JSON.parse(await ktl.ok(["apply", "-f", manifest, "--dry-run=server", "-o", "json"]));
      expect(Object.keys(both)).toEqual(["kind", "apiVersion", "metadata", "items"]);
      expect(both.items.map((i: { kind: string }) => i.kind)).toEqual(["ConfigMap", "Deployment"]);
    });
    const gone = await ktl.run(["get", "deploy", "web"]);
    expect(gone.stderr).toBe('Error from server (NotFound): deployments.apps "web" not found\n');
  });

  it("lets the server refuse an invalid object without storing anything", async () => {
    await writesNothing(async () => {
      const bad = await ktl.run(
        ["create", "-f", "-", "--dry-run=server"],
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Not_Valid\n",
      );
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/^Error from server \(Invalid\): error when creating "STDIN": /);
    });
  });

  it("changes no live object: apply, scale, label, annotate, set image, cordon, drain, delete", async () => {
    await ktl.ok(["apply", "-f", manifest]);
    await ktl.ok(["apply", "-f", "-"], NODE);
    const changed = MANIFEST.replace('a: "1"', 'a: "2"');
    await writesNothing(async () => {
      for (const [mode, said] of [
        ["client", "(dry run)"],
        ["server", "(server dry run)"],
      ]) {
        const dry = `--dry-run=${mode}`;
        expect(await ktl.ok(["apply", "-f", "-", dry], changed)).toBe(
          mode === "client"
            ? `configmap/settings configured ${said}\ndeployment.apps/web configured ${said}\n`
            : `configmap/settings configured ${said}\ndeployment.apps/web unchanged ${said}\n`,
        );
        expect(await ktl.ok(["scale", "deploy/web", "--replicas=5", dry])).toBe(
          `deployment.apps/web scaled ${said}\n`,
        );
        expect(await ktl.ok(["label", "deploy", "web", "tier=fe", dry])).toBe(
          `deployment.apps/web labeled ${said}\n`,
        );
        expect(await ktl.ok(["annotate", "deploy/web", "note=x", dry])).toBe(
          `deployment.apps/web annotated ${said}\n`,
        );
        expect(await ktl.ok(["set", "image", "deploy/web", "httpd=busybox:1.35", dry])).toBe(
          `deployment.apps/web image updated ${said}\n`,
        );
        expect(await ktl.ok(["cordon", "n1", dry])).toBe(`node/n1 cordoned ${said}\n`);
        expect(await ktl.ok(["drain", "n1", dry])).toBe(
          `node/n1 cordoned ${said}\nnode/n1 drained ${said}\n`,
        );
        expect(await ktl.ok(["delete", "-f", manifest, dry])).toBe(
          `configmap "settings" deleted ${said}\ndeployment.apps "web" deleted ${said}\n`,
        );
      }
      // A server dry-run create of an object that exists fails as the create would.
      const exists = await ktl.run(["create", "-f", manifest, "--dry-run=server"]);
      expect(exists.code).toBe(1);
      expect(exists.stderr).toContain('Error from server (AlreadyExists): error when creating "');
      expect(exists.stderr).toContain('configmaps "settings" already exists');
      // The server applied the patch to its copy and answered with it.
      const answered = await ktl.ok(["apply", "-f", "-", "--dry-run=server", "-o", "json"], changed);
      expect(JSON.parse(answered).items[0].data).toEqual({ a: "2" });
    });
    expect(await ktl.ok(["get", "cm", "settings", "-o", "jsonpath={.data.a}"])).toBe("1");
    expect(await ktl.ok(["get", "deploy", "web", "-o", "jsonpath={.spec.replicas}"])).toBe("2");
  });
});
