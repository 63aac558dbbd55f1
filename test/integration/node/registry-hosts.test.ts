/**
 * Where containerd pulls from, proven where nothing can leave: containerd and
 * an (empty) registry run in a network namespace with only loopback. A pull
 * that goes to the local registry fails with NotFound and shows up in the
 * registry's log; one that tries the internet fails with "network is
 * unreachable" (DNS cannot even be asked) — and with the node's hosts.toml
 * files none does.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CriClient, CriError, isNotFound } from "@ktl/cri";
import { Child, mountsUnder, startContainerd, type ContainerdServer } from "@ktl/testing";
import { NetCleanup, cleanupAll, sh } from "./net-helpers.js";

const REGISTRY = "127.0.0.1:5000"; // inside the namespace: nothing else listens there
const cleanup = new NetCleanup();
const netns = cleanup.netns(`ktl-rh-${randomBytes(3).toString("hex")}`);
let dir = "";
let registry: Child;
let containerd: ContainerdServer;
let cri: CriClient;

async function pullError(image: string): Promise<CriError> {
  const err = await cri.pullImage({ image: { image } }, { timeoutMs: 30_000 }).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof CriError)) throw new Error(`pulling ${image} from an empty registry did not fail`);
  return err;
}

async function registryLog(): Promise<string> {
  return readFile(join(dir, "registry.log"), "utf8");
}

beforeAll(async () => {
  await sh("ip", "netns", "add", netns);
  await sh("ip", "-n", netns, "link", "set", "lo", "up");
  dir = await mkdtemp(join(tmpdir(), "ktl-registry-hosts-"));
  const config = join(dir, "registry.yml");
  await writeFile(
    config,
    [
      "version: 0.1",
      "log: { level: info }",
      `storage: { filesystem: { rootdirectory: ${join(dir, "data")} } }`,
      `http: { addr: "${REGISTRY}" }`,
      "",
    ].join("\n"),
  );
  registry = new Child({
    command: "ip",
    args: ["netns", "exec", netns, "docker-registry", "serve", config],
    logFile: join(dir, "registry.log"),
  });
  containerd = await startContainerd({
    registry: REGISTRY,
    sandboxImage: `${REGISTRY}/ktl/pause:3.9`,
    netns,
    logLevel: "debug",
  });
  cri = new CriClient(`unix://${containerd.socket}`);
  // The registry is up once it logs that it listens.
  for (let i = 0; i < 100 && !(await registryLog()).includes("listening on"); i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
}, 60_000);

afterAll(async () => {
  const root = containerd?.root;
  await cleanupAll(
    async () => cri?.close(),
    () => containerd?.stop() ?? Promise.resolve(),
    () => registry?.stop() ?? Promise.resolve(),
    () => cleanup.run(),
    () => rm(dir, { recursive: true, force: true }),
  );
  if (root) expect(await mountsUnder(join(root, ".."))).toEqual([]);
  expect(await sh("ip", "netns", "list")).not.toContain(netns);
});

describe("registry hosts", () => {
  it("pulls a bare name (docker.io) from the local registry, never from Docker Hub", async () => {
    const err = await pullError("busybox");
    expect(isNotFound(err)).toBe(true);
    expect(err.message).toContain("docker.io/library/busybox:latest: not found");
    expect(err.message).not.toContain("registry-1.docker.io");
    expect(await registryLog()).toMatch(/"(HEAD|GET) \/v2\/library\/busybox\/manifests\/latest/);
  });

  it("pulls the local registry's own references over plain HTTP", async () => {
    const err = await pullError(`${REGISTRY}/ktl/pause:3.9`);
    expect(isNotFound(err)).toBe(true);
    expect(await registryLog()).toMatch(/"(HEAD|GET) \/v2\/ktl\/pause\/manifests\/3\.9/);
  });

  it("sends any other registry to the local one too (certs.d/_default)", async () => {
    const err = await pullError("quay.io/someorg/app:1");
    expect(isNotFound(err)).toBe(true);
    expect(err.message).not.toContain("https://quay.io");
    expect(await registryLog()).toMatch(/"(HEAD|GET) \/v2\/someorg\/app\/manifests\/1/);
  });

  it("without the node's hosts.toml, containerd would go to Docker Hub (here: unreachable)", async () => {
    const certs = join(containerd.root, "..", "certs.d");
    // A file without a [host] table is rejected and silently means "default upstream".
    await writeFile(join(certs, "docker.io", "hosts.toml"), 'server = "http://127.0.0.1:5000"\n');
    const err = await pullError("busybox");
    expect(err.message).toContain("https://registry-1.docker.io/v2/library/busybox/manifests/latest");
    expect(err.message).toContain("network is unreachable");
  });
});
