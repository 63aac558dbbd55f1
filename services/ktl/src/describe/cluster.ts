/**
 * Describers for Nodes, Services and Namespaces, and a generic one for the
 * other kinds, laid out as kubectl's describe.go does.
 */
import type { Endpoints, Lease, Namespace, Node, Pod, Service } from "@ktl/api";
import type { Context } from "../cli/context.js";
import { ApiError } from "../client/rest.js";
import { age } from "../printers/age.js";
import {
  annotationsMultiline,
  describeEvents,
  formatLabelsInline,
  labelsMultiline,
  type KObject,
} from "./common.js";
import { addQuantity, formatQuantity, parseQuantity, percent, ZERO, type Quantity } from "./quantity.js";
import { DescribeWriter, rfc1123z } from "./writer.js";

function resourceNames(list: Record<string, string> | undefined): string[] {
  return Object.keys(list ?? {}).sort();
}

function podTotals(pod: Pod): { req: Record<string, Quantity>; lim: Record<string, Quantity> } {
  const req: Record<string, Quantity> = {};
  const lim: Record<string, Quantity> = {};
  for (const c of pod.spec?.containers ?? []) {
    for (const [k, v] of Object.entries(c.resources?.requests ?? {}))
      req[k] = addQuantity(req[k] ?? ZERO, parseQuantity(v));
    for (const [k, v] of Object.entries(c.resources?.limits ?? {}))
      lim[k] = addQuantity(lim[k] ?? ZERO, parseQuantity(v));
  }
  // Init containers run one at a time: each counts only if larger.
  for (const c of pod.spec?.initContainers ?? []) {
    for (const [k, v] of Object.entries(c.resources?.requests ?? {})) {
      const q = parseQuantity(v);
      if (q.milli > (req[k]?.milli ?? 0)) req[k] = q;
    }
    for (const [k, v] of Object.entries(c.resources?.limits ?? {})) {
      const q = parseQuantity(v);
      if (q.milli > (lim[k]?.milli ?? 0)) lim[k] = q;
    }
  }
  return { req, lim };
}

export async function describeNode(ctx: Context, node: Node): Promise<string> {
  const w = new DescribeWriter();
  const meta = node.metadata ?? {};
  const spec = node.spec ?? {};
  const status = node.status ?? {};
  const roles = Object.keys(meta.labels ?? {})
    .filter((l) => l.startsWith("node-role.kubernetes.io/"))
    .map((l) => l.slice("node-role.kubernetes.io/".length))
    .filter(Boolean)
    .sort();
  w.write(0, `Name:\t${meta.name}\n`);
  w.write(0, `Roles:\t${roles.length > 0 ? roles.join(",") : "<none>"}\n`);
  labelsMultiline(w, "Labels", meta.labels);
  annotationsMultiline(w, "Annotations", meta.annotations);
  w.write(0, `CreationTimestamp:\t${rfc1123z(meta.creationTimestamp)}\n`);
  const taints = spec.taints ?? [];
  if (taints.length === 0) w.write(0, "Taints:\t<none>\n");
  else
    taints.forEach((t, i) =>
      w.write(0, `${i === 0 ? "Taints:" : ""}\t${t.key}${t.value ? `=${t.value}` : ""}:${t.effect}\n`),
    );
  w.write(0, `Unschedulable:\t${spec.unschedulable === true}\n`);
  try {
    const lease = await ctx
      .client()
      .request<Lease>(
        "GET",
        `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${meta.name ?? ""}`,
      );
    w.write(0, "Lease:\n");
    w.write(1, `HolderIdentity:\t${lease.spec?.holderIdentity ?? "<unset>"}\n`);
    w.write(1, `AcquireTime:\t${lease.spec?.acquireTime ? rfc1123z(lease.spec.acquireTime) : "<unset>"}\n`);
    w.write(1, `RenewTime:\t${lease.spec?.renewTime ? rfc1123z(lease.spec.renewTime) : "<unset>"}\n`);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    w.write(0, `Lease:\tFailed to get lease: ${err.message}\n`);
  }
  if ((status.conditions ?? []).length > 0) {
    w.write(0, "Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n");
    w.write(1, "----\t------\t-----------------\t------------------\t------\t-------\n");
    for (const c of status.conditions ?? [])
      w.write(
        1,
        `${c.type} \t${c.status} \t${rfc1123z(c.lastHeartbeatTime)} \t${rfc1123z(c.lastTransitionTime)} \t${c.reason ?? ""} \t${c.message ?? ""}\n`,
      );
  }
  w.write(0, "Addresses:\n");
  for (const a of status.addresses ?? []) w.write(1, `${a.type ?? ""}:\t${a.address ?? ""}\n`);
  for (const [title, list] of [
    ["Capacity", status.capacity],
    ["Allocatable", status.allocatable],
  ] as const) {
    if (resourceNames(list).length === 0) continue;
    w.write(0, `${title}:\n`);
    for (const n of resourceNames(list)) w.write(0, `  ${n}:\t${list?.[n] ?? ""}\n`);
  }
  const info = status.nodeInfo ?? {};
  w.write(0, "System Info:\n");
  w.write(0, `  Machine ID:\t${info.machineID ?? ""}\n`);
  w.write(0, `  System UUID:\t${info.systemUUID ?? ""}\n`);
  w.write(0, `  Boot ID:\t${info.bootID ?? ""}\n`);
  w.write(0, `  Kernel Version:\t${info.kernelVersion ?? ""}\n`);
  w.write(0, `  OS Image:\t${info.osImage ?? ""}\n`);
  w.write(0, `  Operating System:\t${info.operatingSystem ?? ""}\n`);
  w.write(0, `  Architecture:\t${info.architecture ?? ""}\n`);
  w.write(0, `  Container Runtime Version:\t${info.containerRuntimeVersion ?? ""}\n`);
  w.write(0, `  Kubelet Version:\t${info.kubeletVersion ?? ""}\n`);
  w.write(0, `  Kube-Proxy Version:\t${info.kubeProxyVersion ?? ""}\n`);
  if (spec.podCIDR) w.write(0, `PodCIDR:\t${spec.podCIDR}\n`);
  if ((spec.podCIDRs ?? []).length > 0) w.write(0, `PodCIDRs:\t${(spec.podCIDRs ?? []).join(",")}\n`);
  if (spec.providerID) w.write(0, `ProviderID:\t${spec.providerID}\n`);
  const list = await ctx.client().request<{ items?: Pod[] }>("GET", "/api/v1/pods", {
    query: { fieldSelector: `spec.nodeName=${meta.name}` },
  });
  const pods = (list.items ?? []).filter(
    (p) => p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed",
  );
  const allocatable: Record<string, string> =
    resourceNames(status.allocatable).length > 0 ? (status.allocatable ?? {}) : (status.capacity ?? {});
  const cpuTotal = parseQuantity(allocatable.cpu);
  const memTotal = parseQuantity(allocatable.memory);
  const storageTotal = parseQuantity(allocatable["ephemeral-storage"]);
  const show = (q: Quantity | undefined, total: Quantity): string =>
    `${formatQuantity(q ?? ZERO)} (${percent(q ?? ZERO, total)}%)`;
  w.write(0, `Non-terminated Pods:\t(${pods.length} in total)\n`);
  w.write(1, "Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n");
  w.write(1, "---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n");
  const sum = { req: {} as Record<string, Quantity>, lim: {} as Record<string, Quantity> };
  for (const pod of pods) {
    const { req, lim } = podTotals(pod);
    for (const [k, v] of Object.entries(req)) sum.req[k] = addQuantity(sum.req[k] ?? ZERO, v);
    for (const [k, v] of Object.entries(lim)) sum.lim[k] = addQuantity(sum.lim[k] ?? ZERO, v);
    w.write(
      1,
      `${pod.metadata?.namespace}\t${pod.metadata?.name}\t\t${show(req.cpu, cpuTotal)}\t${show(lim.cpu, cpuTotal)}\t${show(req.memory, memTotal)}\t${show(lim.memory, memTotal)}\t${age(pod.metadata?.creationTimestamp)}\n`,
    );
  }
  w.write(0, "Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n");
  w.write(1, "Resource\tRequests\tLimits\n");
  w.write(1, "--------\t--------\t------\n");
  w.write(1, `cpu\t${show(sum.req.cpu, cpuTotal)}\t${show(sum.lim.cpu, cpuTotal)}\n`);
  w.write(1, `memory\t${show(sum.req.memory, memTotal)}\t${show(sum.lim.memory, memTotal)}\n`);
  w.write(
    1,
    `ephemeral-storage\t${show(sum.req["ephemeral-storage"], storageTotal)}\t${show(sum.lim["ephemeral-storage"], storageTotal)}\n`,
  );
  await describeEvents(ctx, w, node, undefined);
  return w.toString();
}

function formatEndpoints(endpoints: Endpoints | undefined, portName: string): string {
  const out: string[] = [];
  for (const subset of endpoints?.subsets ?? []) {
    for (const port of subset.ports ?? []) {
      if ((port.name ?? "") !== portName) continue;
      for (const a of subset.addresses ?? []) out.push(`${a.ip ?? ""}:${port.port ?? ""}`);
    }
  }
  if (out.length === 0) return "<none>";
  return out.length > 3 ? `${out.slice(0, 3).join(",")} + ${out.length - 3} more...` : out.join(",");
}

export async function describeService(ctx: Context, svc: Service): Promise<string> {
  const w = new DescribeWriter();
  const meta = svc.metadata ?? {};
  const spec = svc.spec ?? {};
  let endpoints: Endpoints | undefined;
  try {
    endpoints = await ctx
      .client()
      .request<Endpoints>("GET", `/api/v1/namespaces/${meta.namespace ?? ""}/endpoints/${meta.name ?? ""}`);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
  }
  w.write(0, `Name:\t${meta.name}\n`);
  w.write(0, `Namespace:\t${meta.namespace}\n`);
  labelsMultiline(w, "Labels", meta.labels);
  annotationsMultiline(w, "Annotations", meta.annotations);
  w.write(0, `Selector:\t${formatLabelsInline(spec.selector)}\n`);
  w.write(0, `Type:\t${spec.type ?? ""}\n`);
  if (spec.ipFamilyPolicy) w.write(0, `IP Family Policy:\t${spec.ipFamilyPolicy}\n`);
  w.write(
    0,
    `IP Families:\t${(spec.ipFamilies ?? []).length > 0 ? (spec.ipFamilies ?? []).join(",") : "<none>"}\n`,
  );
  w.write(0, `IP:\t${spec.clusterIP ?? ""}\n`);
  w.write(0, `IPs:\t${(spec.clusterIPs ?? []).length > 0 ? (spec.clusterIPs ?? []).join(",") : "<none>"}\n`);
  if ((spec.externalIPs ?? []).length > 0)
    w.write(0, `External IPs:\t${(spec.externalIPs ?? []).join(",")}\n`);
  if (spec.loadBalancerIP) w.write(0, `IP:\t${spec.loadBalancerIP}\n`);
  if (spec.externalName) w.write(0, `External Name:\t${spec.externalName}\n`);
  const ingress = svc.status?.loadBalancer?.ingress ?? [];
  if (ingress.length > 0)
    w.write(0, `LoadBalancer Ingress:\t${ingress.map((i) => i.ip || i.hostname).join(", ")}\n`);
  for (const p of spec.ports ?? []) {
    const name = p.name || "<unset>";
    const protocol = p.protocol ?? "TCP";
    w.write(0, `Port:\t${name}\t${p.port}/${protocol}\n`);
    w.write(0, `TargetPort:\t${p.targetPort ?? p.port}/${protocol}\n`);
    if (p.nodePort) w.write(0, `NodePort:\t${name}\t${p.nodePort}/${protocol}\n`);
    w.write(0, `Endpoints:\t${formatEndpoints(endpoints, p.name ?? "")}\n`);
  }
  w.write(0, `Session Affinity:\t${spec.sessionAffinity ?? "None"}\n`);
  if (spec.externalTrafficPolicy) w.write(0, `External Traffic Policy:\t${spec.externalTrafficPolicy}\n`);
  if (spec.internalTrafficPolicy) w.write(0, `Internal Traffic Policy:\t${spec.internalTrafficPolicy}\n`);
  if (spec.healthCheckNodePort) w.write(0, `HealthCheck NodePort:\t${spec.healthCheckNodePort}\n`);
  await describeEvents(ctx, w, svc, meta.namespace);
  return w.toString();
}

export function describeNamespace(_ctx: Context, ns: Namespace): Promise<string> {
  const w = new DescribeWriter();
  w.write(0, `Name:\t${ns.metadata?.name}\n`);
  labelsMultiline(w, "Labels", ns.metadata?.labels);
  annotationsMultiline(w, "Annotations", ns.metadata?.annotations);
  w.write(0, `Status:\t${ns.status?.phase ?? ""}\n`);
  return Promise.resolve(w.toString());
}

function nested(w: DescribeWriter, level: number, value: unknown): void {
  if (Array.isArray(value)) {
    for (const item of value) {
      if (item !== null && typeof item === "object") {
        w.write(level, "-\n");
        nested(w, level + 1, item);
      } else w.write(level, `${String(item)}\n`);
    }
    return;
  }
  for (const [key, v] of Object.entries((value ?? {}) as Record<string, unknown>).sort(([a], [b]) =>
    a < b ? -1 : 1,
  )) {
    const title = key.charAt(0).toUpperCase() + key.slice(1);
    if (v !== null && typeof v === "object") {
      w.write(level, `${title}:\n`);
      nested(w, level + 1, v);
    } else w.write(level, `${title}:\t${String(v)}\n`);
  }
}

/** Any other kind: metadata as kubectl prints it, then the rest of the object field by field. */
export async function describeGeneric(ctx: Context, obj: KObject): Promise<string> {
  const w = new DescribeWriter();
  const meta = obj.metadata ?? {};
  w.write(0, `Name:\t${meta.name}\n`);
  if (meta.namespace) w.write(0, `Namespace:\t${meta.namespace}\n`);
  labelsMultiline(w, "Labels", meta.labels);
  annotationsMultiline(w, "Annotations", meta.annotations);
  const rest = Object.fromEntries(Object.entries(obj).filter(([k]) => k !== "metadata"));
  nested(w, 0, rest);
  if (obj.kind !== "Event") await describeEvents(ctx, w, obj, meta.namespace);
  return w.toString();
}
