import type { Taint } from "@ktl/api";
import type { NodeDescription } from "./node-status.js";
import { nodeLabels } from "./node-status.js";
import type { SystemInfo } from "./system-info.js";

/**
 * The version the kubelet reports (kubectl's VERSION column). It matches the
 * apiserver's claimed v1.30 (a kubelet may not be newer than its apiserver);
 * "+ktl" is semver build metadata, so version comparisons are unaffected.
 */
export const KUBELET_VERSION = "v1.30.0+ktl";

/** The node's resources as configured or measured. */
export interface NodeResources {
  /** Whole CPUs. */
  readonly cpu: number;
  readonly memoryBytes: number;
  readonly maxPods: number;
  readonly ephemeralStorageBytes?: number;
}

/** Everything a Node description is made of. */
export interface DescribeOptions {
  readonly name: string;
  readonly nodeIp: string;
  readonly port: number;
  readonly resources: NodeResources;
  readonly extraLabels: Readonly<Record<string, string>>;
  readonly taints: readonly Taint[];
  readonly system: SystemInfo;
  /** e.g. "containerd://1.6.20" (CRI Version: runtimeName://runtimeVersion). */
  readonly runtimeVersion: string;
}

/**
 * capacity = allocatable here: no system or kube reservations and no
 * eviction thresholds are configured, so everything is allocatable.
 */
export function describeNode(options: DescribeOptions): NodeDescription {
  const r = options.resources;
  const capacity: Record<string, string> = {
    cpu: String(r.cpu),
    memory: `${Math.floor(r.memoryBytes / 1024)}Ki`,
    pods: String(r.maxPods),
  };
  if (r.ephemeralStorageBytes !== undefined) {
    capacity["ephemeral-storage"] = `${Math.floor(r.ephemeralStorageBytes / 1024)}Ki`;
  }
  return {
    name: options.name,
    nodeIp: options.nodeIp,
    hostname: options.name,
    port: options.port,
    labels: nodeLabels({ name: options.name, arch: options.system.architecture, extra: options.extraLabels }),
    taints: options.taints,
    capacity,
    allocatable: { ...capacity },
    nodeInfo: {
      machineID: options.system.machineID,
      systemUUID: options.system.systemUUID,
      bootID: options.system.bootID,
      kernelVersion: options.system.kernelVersion,
      osImage: options.system.osImage,
      containerRuntimeVersion: options.runtimeVersion,
      kubeletVersion: KUBELET_VERSION,
      kubeProxyVersion: "",
      operatingSystem: options.system.operatingSystem,
      architecture: options.system.architecture,
    },
  };
}

/** CRI Version → Kubernetes' containerRuntimeVersion, e.g. "containerd://1.6.20". */
export function runtimeVersionString(version: { runtimeName?: string; runtimeVersion?: string }): string {
  return `${version.runtimeName || "unknown"}://${version.runtimeVersion || "unknown"}`;
}
