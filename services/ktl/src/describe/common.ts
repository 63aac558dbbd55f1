/**
 * Pieces every describer shares, ported from kubectl's describe.go: labels
 * and annotations on several lines, the pod template, containers (with
 * their status when describing a pod), volumes, tolerations, conditions and
 * events (`<none>` until the Events API answers).
 */
import type {
  Container,
  ContainerState,
  ContainerStatus,
  EnvVar,
  Event,
  LabelSelector,
  ObjectMeta,
  PodTemplateSpec,
  Probe,
  Toleration,
  Volume,
} from "@ktl/api";
import type { Context } from "../cli/context.js";
import { ApiError, isNotFound } from "../client/rest.js";
import { age } from "../printers/age.js";
import { rfc1123z, type DescribeWriter } from "./writer.js";

/** Any API object: what every describer can rely on. */
export interface KObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";
const MAX_ANNOTATION_LEN = 140;

export function labelsMultiline(
  w: DescribeWriter,
  title: string,
  labels: Record<string, string> | undefined,
): void {
  w.write(0, `${title}:\t`);
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) {
    w.write(0, "<none>\n");
    return;
  }
  keys.forEach((key, i) => {
    if (i !== 0) w.write(0, "\t");
    w.write(0, `${key}=${labels?.[key] ?? ""}\n`);
  });
}

export function annotationsMultiline(
  w: DescribeWriter,
  title: string,
  annotations: Record<string, string> | undefined,
): void {
  w.write(0, `${title}:\t`);
  const keys = Object.keys(annotations ?? {})
    .filter((k) => k !== LAST_APPLIED)
    .sort();
  if (keys.length === 0) {
    w.write(0, "<none>\n");
    return;
  }
  const inner = "\t";
  keys.forEach((key, i) => {
    if (i !== 0) w.write(0, inner);
    const value = (annotations?.[key] ?? "").replace(/\n$/, "");
    if (value.length + key.length + 2 > MAX_ANNOTATION_LEN || value.includes("\n")) {
      w.write(0, `${key}:\n`);
      for (const line of value.split("\n")) {
        const short =
          line.length > MAX_ANNOTATION_LEN - 2 ? `${line.slice(0, MAX_ANNOTATION_LEN - 2)}...` : line;
        w.write(0, `${inner}  ${short}\n`);
      }
    } else w.write(0, `${key}: ${value}\n`);
  });
}

export function formatLabelsInline(labels: Record<string, string> | undefined): string {
  const keys = Object.keys(labels ?? {}).sort();
  return keys.length === 0 ? "<none>" : keys.map((k) => `${k}=${labels?.[k] ?? ""}`).join(",");
}

/** metav1.FormatLabelSelector. */
export function formatSelector(selector: LabelSelector | undefined): string {
  if (!selector) return "<none>";
  const labels = selector.matchLabels ?? {};
  const parts = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k] ?? ""}`);
  for (const e of selector.matchExpressions ?? []) {
    const op = e.operator ?? "";
    const key = e.key ?? "";
    if (op === "In" || op === "NotIn")
      parts.push(`${key} ${op.toLowerCase()} (${(e.values ?? []).join(",")})`);
    else if (op === "Exists") parts.push(key);
    else if (op === "DoesNotExist") parts.push(`!${key}`);
  }
  return parts.length === 0 ? "<none>" : parts.join(",");
}

/** A selector as a labelSelector query string. */
export function selectorQuery(selector: LabelSelector | undefined): string {
  const s = formatSelector(selector);
  return s === "<none>" ? "" : s;
}

export function controllerOf(obj: KObject): string {
  const ref = (obj.metadata?.ownerReferences ?? []).find((r) => r.controller);
  return ref ? `${ref.kind ?? ""}/${ref.name ?? ""}` : "";
}

/** Whether `obj` is controlled by the object with this uid. */
export function controlledBy(obj: KObject, uid: string | undefined): boolean {
  return (obj.metadata?.ownerReferences ?? []).some((r) => r.controller && r.uid === uid);
}

function ports(list: Container["ports"], field: "containerPort" | "hostPort"): string {
  return (list ?? []).map((p) => `${p[field] ?? 0}/${p.protocol ?? "TCP"}`).join(", ");
}

function probe(p: Probe): string {
  const attrs = `delay=${p.initialDelaySeconds ?? 0}s timeout=${p.timeoutSeconds ?? 1}s period=${p.periodSeconds ?? 10}s #success=${p.successThreshold ?? 1} #failure=${p.failureThreshold ?? 3}`;
  if (p.exec) return `exec [${(p.exec.command ?? []).join(" ")}] ${attrs}`;
  if (p.httpGet) {
    const h = p.httpGet;
    const url = `${(h.scheme ?? "HTTP").toLowerCase()}://${h.host ?? ""}:${h.port ?? ""}${h.path ?? ""}`;
    return `http-get ${url} ${attrs}`;
  }
  if (p.tcpSocket) return `tcp-socket ${p.tcpSocket.host ?? ""}:${p.tcpSocket.port ?? ""} ${attrs}`;
  return `unknown ${attrs}`;
}

function describeState(w: DescribeWriter, name: string, state: ContainerState | undefined): void {
  if (state?.running) {
    w.write(2, `${name}:\tRunning\n`);
    w.write(3, `Started:\t${rfc1123z(state.running.startedAt)}\n`);
  } else if (state?.terminated) {
    const t = state.terminated;
    w.write(2, `${name}:\tTerminated\n`);
    if (t.reason) w.write(3, `Reason:\t${t.reason}\n`);
    if (t.message) w.write(3, `Message:\t${t.message}\n`);
    w.write(3, `Exit Code:\t${t.exitCode ?? 0}\n`);
    if ((t.signal ?? 0) > 0) w.write(3, `Signal:\t${t.signal ?? 0}\n`);
    w.write(3, `Started:\t${rfc1123z(t.startedAt)}\n`);
    w.write(3, `Finished:\t${rfc1123z(t.finishedAt)}\n`);
  } else {
    w.write(2, `${name}:\tWaiting\n`);
    if (state?.waiting?.reason) w.write(3, `Reason:\t${state.waiting.reason}\n`);
  }
}

function resourceList(w: DescribeWriter, title: string, list: Record<string, string> | undefined): void {
  const names = Object.keys(list ?? {}).sort();
  if (names.length === 0) return;
  w.write(2, `${title}:\n`);
  for (const n of names) w.write(3, `${n}:\t${list?.[n] ?? ""}\n`);
}

function envVars(w: DescribeWriter, env: EnvVar[] | undefined): void {
  w.write(2, `Environment:${(env ?? []).length === 0 ? "\t<none>" : ""}\n`);
  for (const e of env ?? []) {
    if (!e.valueFrom) {
      String(e.value ?? "")
        .split("\n")
        .forEach((line, i) => w.write(3, i === 0 ? `${e.name}:\t${line}\n` : `\t${line}\n`));
      continue;
    }
    const from = e.valueFrom;
    if (from.fieldRef)
      w.write(3, `${e.name}:\t (${from.fieldRef.apiVersion ?? "v1"}:${from.fieldRef.fieldPath})\n`);
    else if (from.resourceFieldRef) w.write(3, `${e.name}:\t${from.resourceFieldRef.resource}\n`);
    else if (from.secretKeyRef)
      w.write(
        3,
        `${e.name}:\t<set to the key '${from.secretKeyRef.key}' in secret '${from.secretKeyRef.name}'>\tOptional: ${from.secretKeyRef.optional === true}\n`,
      );
    else if (from.configMapKeyRef)
      w.write(
        3,
        `${e.name}:\t<set to the key '${from.configMapKeyRef.key}' of config map '${from.configMapKeyRef.name}'>\tOptional: ${from.configMapKeyRef.optional === true}\n`,
      );
  }
}

export function describeContainers(
  w: DescribeWriter,
  label: string,
  containers: Container[] | undefined,
  statuses: ContainerStatus[] | undefined,
  space: string,
): void {
  const list = containers ?? [];
  w.write(0, `${space}${label}:${list.length === 0 ? " <none>" : ""}\n`);
  const nameIndent = space ? " " : "";
  for (const c of list) {
    const status = (statuses ?? []).find((s) => s.name === c.name);
    w.write(1, `${nameIndent}${c.name ?? ""}:\n`);
    if (status) w.write(2, `Container ID:\t${status.containerID ?? ""}\n`);
    w.write(2, `Image:\t${c.image ?? ""}\n`);
    if (status) w.write(2, `Image ID:\t${status.imageID ?? ""}\n`);
    const p = ports(c.ports, "containerPort");
    w.write(2, p.includes(",") ? `Ports:\t${p}\n` : `Port:\t${p || "<none>"}\n`);
    const hp = ports(c.ports, "hostPort");
    w.write(2, hp.includes(",") ? `Host Ports:\t${hp}\n` : `Host Port:\t${hp || "<none>"}\n`);
    if ((c.command ?? []).length > 0) {
      w.write(2, "Command:\n");
      for (const part of c.command ?? []) for (const line of part.split("\n")) w.write(3, `${line}\n`);
    }
    if ((c.args ?? []).length > 0) {
      w.write(2, "Args:\n");
      for (const part of c.args ?? []) for (const line of part.split("\n")) w.write(3, `${line}\n`);
    }
    if (status) {
      describeState(w, "State", status.state);
      if (status.lastState?.terminated) describeState(w, "Last State", status.lastState);
      w.write(2, `Ready:\t${status.ready ? "True" : "False"}\n`);
      w.write(2, `Restart Count:\t${status.restartCount ?? 0}\n`);
    }
    resourceList(w, "Limits", c.resources?.limits);
    resourceList(w, "Requests", c.resources?.requests);
    if (c.livenessProbe) w.write(2, `Liveness:\t${probe(c.livenessProbe)}\n`);
    if (c.readinessProbe) w.write(2, `Readiness:\t${probe(c.readinessProbe)}\n`);
    if (c.startupProbe) w.write(2, `Startup:\t${probe(c.startupProbe)}\n`);
    envVars(w, c.env);
    const mounts = [...(c.volumeMounts ?? [])].sort((a, b) =>
      (a.mountPath ?? "") < (b.mountPath ?? "") ? -1 : 1,
    );
    w.write(2, `Mounts:${mounts.length === 0 ? "\t<none>" : ""}\n`);
    for (const m of mounts) {
      const flags = [m.readOnly ? "ro" : "rw", ...(m.subPath ? [`path="${m.subPath}"`] : [])];
      w.write(3, `${m.mountPath ?? ""} from ${m.name ?? ""} (${flags.join(",")})\n`);
    }
  }
}

export function describeVolumes(w: DescribeWriter, volumes: Volume[] | undefined, space: string): void {
  if ((volumes ?? []).length === 0) {
    w.write(0, `${space}Volumes:\t<none>\n`);
    return;
  }
  w.write(0, `${space}Volumes:\n`);
  const nameIndent = space ? " " : "";
  for (const v of volumes ?? []) {
    w.write(1, `${nameIndent}${v.name ?? ""}:\n`);
    if (v.emptyDir) {
      w.write(2, "Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n");
      w.write(2, `Medium:\t${v.emptyDir.medium ?? ""}\n`);
      w.write(2, `SizeLimit:\t${v.emptyDir.sizeLimit ?? "<unset>"}\n`);
    } else if (v.hostPath) {
      w.write(2, "Type:\tHostPath (bare host directory volume)\n");
      w.write(2, `Path:\t${v.hostPath.path ?? ""}\n`);
      w.write(2, `HostPathType:\t${v.hostPath.type ?? ""}\n`);
    } else if (v.configMap) {
      w.write(2, "Type:\tConfigMap (a volume populated by a ConfigMap)\n");
      w.write(2, `Name:\t${v.configMap.name ?? ""}\n`);
      w.write(2, `Optional:\t${v.configMap.optional === true}\n`);
    } else if (v.secret) {
      w.write(2, "Type:\tSecret (a volume populated by a Secret)\n");
      w.write(2, `SecretName:\t${v.secret.secretName ?? ""}\n`);
      w.write(2, `Optional:\t${v.secret.optional === true}\n`);
    } else {
      w.write(2, `Type:\t${Object.keys(v).find((k) => k !== "name") ?? "<unknown>"}\n`);
    }
  }
}

export function tolerationsMultiline(
  w: DescribeWriter,
  title: string,
  tolerations: Toleration[] | undefined,
): void {
  w.write(0, `${title}:\t`);
  const list = tolerations ?? [];
  if (list.length === 0) {
    w.write(0, "<none>\n");
    return;
  }
  list.forEach((t, i) => {
    if (i !== 0) w.write(0, "\t");
    let text = t.key ?? "";
    if (t.value) text += `=${t.value}`;
    if (t.effect) text += `:${t.effect}`;
    if (t.operator === "Exists" && !t.value) text += " op=Exists";
    if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null)
      text += ` for ${t.tolerationSeconds}s`;
    w.write(0, `${text}\n`);
  });
}

export function describePodTemplate(w: DescribeWriter, template: PodTemplateSpec | undefined): void {
  w.write(0, "Pod Template:\n");
  if (!template) {
    w.write(1, "<unset>");
    return;
  }
  labelsMultiline(w, "  Labels", template.metadata?.labels);
  const annotations = template.metadata?.annotations;
  if (annotations && Object.keys(annotations).length > 0)
    annotationsMultiline(w, "  Annotations", annotations);
  const spec = template.spec ?? {};
  if (spec.serviceAccountName) w.write(1, `Service Account:\t${spec.serviceAccountName}\n`);
  if ((spec.initContainers ?? []).length > 0)
    describeContainers(w, "Init Containers", spec.initContainers, undefined, "  ");
  describeContainers(w, "Containers", spec.containers, undefined, "  ");
  describeVolumes(w, spec.volumes, "  ");
  labelsMultiline(w, "  Node-Selectors", spec.nodeSelector);
  tolerationsMultiline(w, "  Tolerations", spec.tolerations);
}

/**
 * The Events of an object, newest last, or `Events: <none>` — also when the
 * server does not serve Events (404) or cannot (503: NATS down or not
 * configured), as kubectl shows for a failed search.
 */
export async function describeEvents(
  ctx: Context,
  w: DescribeWriter,
  obj: KObject,
  namespace: string | undefined,
): Promise<void> {
  let items: Event[] = [];
  try {
    const fieldSelector = [
      `involvedObject.name=${obj.metadata?.name ?? ""}`,
      ...(namespace ? [`involvedObject.namespace=${namespace}`] : []),
      ...(obj.metadata?.uid ? [`involvedObject.uid=${obj.metadata.uid}`] : []),
    ].join(",");
    const path = namespace ? `/api/v1/namespaces/${namespace}/events` : "/api/v1/events";
    const list = await ctx.client().request<{ items?: Event[] }>("GET", path, { query: { fieldSelector } });
    items = list.items ?? [];
  } catch (err) {
    // Events are best effort (kubectl ignores a failed search): also when the
    // events store (NATS) is down or not configured (503).
    if (!isNotFound(err) && !(err instanceof ApiError && err.code === 503)) throw err;
  }
  if (items.length === 0) {
    w.write(0, "Events:\t<none>\n");
    return;
  }
  w.flush();
  const time = (e: Event): string => e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? "";
  items.sort((a, b) => (time(a) < time(b) ? -1 : time(a) > time(b) ? 1 : 0));
  w.write(0, "Events:\n  Type\tReason\tAge\tFrom\tMessage\n");
  w.write(1, "----\t------\t----\t----\t-------\n");
  for (const e of items) {
    const first = age(e.eventTime ?? e.firstTimestamp);
    let interval = first;
    if ((e.count ?? 0) > 1) interval = `${age(e.lastTimestamp)} (x${e.count} over ${first})`;
    const source = e.source?.component || e.reportingComponent || "";
    w.write(
      1,
      `${e.type ?? ""}\t${e.reason ?? ""}\t${interval}\t${source}\t${String(e.message ?? "").trim()}\n`,
    );
  }
}
