/**
 * The configuration files `cluster up` writes under $KTL_HOME: the
 * registry's config.yml, each node's containerd config.toml and certs.d,
 * and the kubeconfig.
 */
import { mkdir, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { renderContainerdConfig, writeRegistryHosts } from "@ktl/cri";
import { sandboxImageRef } from "@ktl/oci";
import { toYaml } from "../printers/yaml.js";
import type { ClusterPaths, NodePaths } from "./home.js";

async function writeAtomically(file: string, text: string, mode = 0o644): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, text, { mode });
  await rename(tmp, file);
}

/** Debian's docker-registry (distribution 2.8): no auth, filesystem storage, loopback only. */
export function registryConfig(address: string, root: string): string {
  // JSON strings are valid YAML scalars, so paths need no further quoting.
  return `version: 0.1
log:
  level: info
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${JSON.stringify(root)}
  delete:
    enabled: true
http:
  addr: ${address}
  headers:
    X-Content-Type-Options: [nosniff]
`;
}

export async function writeRegistryConfig(paths: ClusterPaths, address: string): Promise<void> {
  await mkdir(paths.registryData, { recursive: true });
  await writeAtomically(paths.registryConfig, registryConfig(address, paths.registryData));
}

/** A node's containerd: own root, state, socket and registry hosts; pulls only from the cluster's registry. */
export async function writeContainerdConfig(node: NodePaths, registry: string): Promise<void> {
  for (const d of [node.containerdRoot, node.containerdState, node.certsDir, node.cniConfDir])
    await mkdir(d, { recursive: true });
  await writeAtomically(
    node.containerdConfig,
    renderContainerdConfig({
      root: node.containerdRoot,
      state: node.containerdState,
      socket: node.socket,
      sandboxImage: sandboxImageRef(registry),
      cniConfDir: node.cniConfDir,
      registryConfigPath: node.certsDir,
      logLevel: "info",
    }),
  );
  await writeRegistryHosts({ configPath: node.certsDir, registry });
}

/** Context "ktl" (namespace default) for the apiserver's plain-HTTP port; no credentials. */
export async function writeClusterKubeconfig(file: string, server: string): Promise<void> {
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "ktl", cluster: { server } }],
    contexts: [{ name: "ktl", context: { cluster: "ktl", user: "ktl", namespace: "default" } }],
    "current-context": "ktl",
    preferences: {},
    users: [{ name: "ktl", user: {} }],
  };
  await writeAtomically(file, toYaml(config), 0o600);
}
