import type { ConfigMap, Container, EnvVar, ObjectFieldSelector, Pod, ResourceFieldSelector } from "@ktl/api";
import { isNotFound } from "@ktl/apimachinery";
import { expand } from "./expansion.js";
import { milliValue, value } from "./resources.js";

/**
 * A container's configuration cannot be built (a missing ConfigMap or key, an
 * unsupported field path): the container waits with CreateContainerConfigError
 * and this message.
 */
export class ContainerConfigError extends Error {
  override readonly name = "ContainerConfigError";
}

/** What env resolution needs besides the pod. */
export interface EnvContext {
  readonly pod: Pod;
  readonly container: Container;
  /** The pod's IPs, primary first (empty before the sandbox has one). */
  readonly podIps: readonly string[];
  readonly nodeIp: string;
  /** Reads a ConfigMap of the pod's namespace; rejects with a 404 StatusError when it does not exist. */
  readonly getConfigMap: (namespace: string, name: string) => Promise<ConfigMap>;
  /** The node's allocatable CPU and memory: what resourceFieldRef reports for a limit that is not set. */
  readonly allocatable: { readonly cpu: string; readonly memory: string };
}

export interface EnvPair {
  readonly name: string;
  readonly value: string;
}

/**
 * The container's environment as the kubelet builds it
 * (makeEnvironmentVariables): envFrom sources first, then `env` in order,
 * later entries replacing earlier ones; values expand `$(VAR)` references to
 * variables defined before them; valueFrom resolves the downward API
 * (fieldRef, resourceFieldRef) and ConfigMap keys. Optional sources that do
 * not exist are skipped. Secrets are not served by this cluster, so a
 * non-optional secret reference fails as a missing secret would.
 */
export async function makeEnvironment(ctx: EnvContext): Promise<EnvPair[]> {
  const { pod, container } = ctx;
  const namespace = pod.metadata?.namespace ?? "";
  const configMaps = new Map<string, ConfigMap | undefined>();
  const env = new Map<string, string>();
  const configMap = async (name: string, optional: boolean): Promise<ConfigMap | undefined> => {
    if (!configMaps.has(name)) {
      try {
        configMaps.set(name, await ctx.getConfigMap(namespace, name));
      } catch (err) {
        if (!isNotFound(err)) throw err;
        if (!optional) throw new ContainerConfigError(`configmap "${name}" not found`);
        configMaps.set(name, undefined);
      }
    }
    return configMaps.get(name);
  };

  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? "";
    if (from.configMapRef) {
      const optional = (from.configMapRef as { optional?: boolean }).optional === true;
      const cm = await configMap(from.configMapRef.name ?? "", optional);
      for (const [k, v] of Object.entries(cm?.data ?? {})) env.set(prefix + k, v);
    } else if (from.secretRef) {
      const optional = (from.secretRef as { optional?: boolean }).optional === true;
      if (!optional) throw new ContainerConfigError(`secret "${from.secretRef.name ?? ""}" not found`);
    }
  }

  for (const v of container.env ?? []) {
    const resolved = await resolve(v, ctx, env, configMap);
    if (resolved !== undefined) env.set(v.name ?? "", resolved);
  }
  return [...env].map(([name, v]) => ({ name, value: v }));
}

async function resolve(
  v: EnvVar,
  ctx: EnvContext,
  env: ReadonlyMap<string, string>,
  configMap: (name: string, optional: boolean) => Promise<ConfigMap | undefined>,
): Promise<string | undefined> {
  if (v.value) return expand(v.value, (name) => env.get(name));
  const from = v.valueFrom;
  if (!from) return "";
  if (from.fieldRef) return fieldRefValue(from.fieldRef, ctx);
  if (from.resourceFieldRef) return resourceFieldValue(from.resourceFieldRef, ctx);
  if (from.configMapKeyRef) {
    const { name = "", key = "", optional = false } = from.configMapKeyRef;
    const cm = await configMap(name, optional);
    if (!cm) return undefined;
    const found = cm.data?.[key];
    if (found === undefined) {
      if (optional) return undefined;
      throw new ContainerConfigError(
        `couldn't find key ${key} in ConfigMap ${ctx.pod.metadata?.namespace ?? ""}/${name}`,
      );
    }
    return found;
  }
  if (from.secretKeyRef) {
    if (from.secretKeyRef.optional === true) return undefined;
    throw new ContainerConfigError(`secret "${from.secretKeyRef.name ?? ""}" not found`);
  }
  return "";
}

/** The downward API's pod fields (podFieldSelectorRuntimeValue + fieldpath.ExtractFieldPathAsString). */
export function fieldRefValue(
  selector: ObjectFieldSelector,
  ctx: Pick<EnvContext, "pod" | "podIps" | "nodeIp">,
): string {
  const path = selector.fieldPath ?? "";
  const meta = ctx.pod.metadata ?? {};
  const subscripted = /^(metadata\.(?:labels|annotations))\['(.+)'\]$/.exec(path);
  if (subscripted) {
    const map = subscripted[1] === "metadata.labels" ? meta.labels : meta.annotations;
    return map?.[subscripted[2] ?? ""] ?? "";
  }
  switch (path) {
    case "metadata.name":
      return meta.name ?? "";
    case "metadata.namespace":
      return meta.namespace ?? "";
    case "metadata.uid":
      return meta.uid ?? "";
    case "metadata.labels":
      return formatMap(meta.labels);
    case "metadata.annotations":
      return formatMap(meta.annotations);
    case "spec.nodeName":
      return ctx.pod.spec?.nodeName ?? "";
    case "spec.serviceAccountName":
      return ctx.pod.spec?.serviceAccountName ?? "";
    case "status.hostIP":
    case "status.hostIPs":
      return ctx.nodeIp;
    case "status.podIP":
      return ctx.podIps[0] ?? "";
    case "status.podIPs":
      return ctx.podIps.join(",");
    default:
      throw new ContainerConfigError(`unsupported fieldPath: ${path}`);
  }
}

/** `key="value"` lines in key order, as the downward API formats a whole map (fieldpath.FormatMap). */
function formatMap(map: Readonly<Record<string, string>> | undefined): string {
  return Object.keys(map ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify(map?.[k] ?? "")}`)
    .join("\n");
}

/**
 * A container's request or limit through the downward API
 * (ExtractContainerResourceValue): divided by the divisor and rounded up;
 * an unset limit is the node's allocatable amount.
 */
export function resourceFieldValue(
  selector: ResourceFieldSelector,
  ctx: Pick<EnvContext, "pod" | "container" | "allocatable">,
): string {
  const target = selector.containerName
    ? [...(ctx.pod.spec?.containers ?? []), ...(ctx.pod.spec?.initContainers ?? [])].find(
        (c) => c.name === selector.containerName,
      )
    : ctx.container;
  if (!target) throw new ContainerConfigError(`container ${selector.containerName ?? ""} not found`);
  const resource = selector.resource ?? "";
  const [kind, name] = resource.split(".") as [string, string | undefined];
  const list =
    kind === "limits"
      ? target.resources?.limits
      : kind === "requests"
        ? target.resources?.requests
        : undefined;
  if (list === undefined && kind !== "limits" && kind !== "requests") {
    throw new ContainerConfigError(`unsupported container resource : ${resource}`);
  }
  let quantity = list?.[name ?? ""];
  if (kind === "limits" && quantity === undefined && (name === "cpu" || name === "memory")) {
    quantity = ctx.allocatable[name];
  }
  const divisor = selector.divisor && selector.divisor !== "0" ? selector.divisor : "1";
  if (name === "cpu") {
    return String(Math.ceil(milliValue(quantity ?? "0") / Math.max(1, milliValue(divisor))));
  }
  if (name === "memory" || name === "ephemeral-storage" || name?.startsWith("hugepages-")) {
    return String(Math.ceil(value(quantity ?? "0") / Math.max(1, value(divisor))));
  }
  throw new ContainerConfigError(`unsupported container resource : ${resource}`);
}

/** Expands `$(VAR)` in command and args with the final environment (ExpandContainerCommandAndArgs). */
export function expandCommand(
  args: readonly string[] | undefined,
  env: readonly EnvPair[],
): string[] | undefined {
  if (!args) return undefined;
  const map = new Map(env.map((e) => [e.name, e.value]));
  return args.map((a) => expand(a, (name) => map.get(name)));
}
