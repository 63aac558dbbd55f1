import protobuf from "protobufjs";
import { apiVersionOf, descriptor, RESOURCES } from "@ktl/api";
import { badRequest } from "@ktl/apimachinery";

/**
 * Request bodies in Kubernetes' protobuf encoding (application/vnd.kubernetes.protobuf).
 *
 * client-go's typed clients prefer protobuf for built-in kinds and do not fall
 * back to JSON, so e.g. `kubectl create namespace` from kubectl 1.33 sends
 * nothing else. The body is the 4-byte magic "k8s\0" and a runtime.Unknown
 * envelope whose `raw` is the object in k8s.io/api's generated.proto encoding.
 *
 * Our proto/ schema uses Kubernetes' field numbers, so it decodes that encoding
 * once three representation choices are swapped back to Kubernetes' messages:
 * Time ({seconds, nanos}), Quantity ({string}) and IntOrString ({type, intVal,
 * strVal}). Responses stay JSON (clients always accept it as well).
 */
export const KUBE_PROTOBUF = "application/vnd.kubernetes.protobuf";

const MAGIC = Buffer.from("k8s\0", "latin1");

/** String fields that are metav1.Time (or MicroTime) in Kubernetes' types. */
const TIME_FIELDS = new Set([
  "creationTimestamp",
  "deletionTimestamp",
  "time",
  "lastTransitionTime",
  "lastUpdateTime",
  "lastHeartbeatTime",
  "lastProbeTime",
  "firstTimestamp",
  "lastTimestamp",
  "eventTime",
  "startTime",
  "startedAt",
  "finishedAt",
  "acquireTime",
  "renewTime",
]);
const MICRO_TIME_FIELDS = new Set(["eventTime", "acquireTime", "renewTime"]);
/** String fields (or string-valued maps) that are resource.Quantity in Kubernetes' types. */
const QUANTITY_FIELDS = new Set(["capacity", "allocatable", "limits", "requests", "sizeLimit"]);

/**
 * Scalars that are pointers in Kubernetes' Go types: their zero value is a
 * value (replicas: 0). Every other scalar is a plain Go field, which Go's
 * protobuf encoding always writes and JSON's omitempty drops, so its zero
 * means "unset" and is dropped here too.
 */
const POINTER_FIELDS = new Set([
  "ObjectMeta.deletionGracePeriodSeconds",
  "OwnerReference.controller",
  "OwnerReference.blockOwnerDeletion",
  "ReplicaSetSpec.replicas",
  "DeploymentSpec.replicas",
  "DeploymentSpec.revisionHistoryLimit",
  "DeploymentSpec.progressDeadlineSeconds",
  "DeploymentStatus.collisionCount",
  "PodSpec.terminationGracePeriodSeconds",
  "PodSpec.activeDeadlineSeconds",
  "PodSpec.automountServiceAccountToken",
  "PodSpec.priority",
  "PodSpec.enableServiceLinks",
  "ConfigMapKeySelector.optional",
  "SecretKeySelector.optional",
  "KeyToPath.mode",
  "ConfigMapVolumeSource.defaultMode",
  "ConfigMapVolumeSource.optional",
  "SecretVolumeSource.defaultMode",
  "SecretVolumeSource.optional",
  "Probe.terminationGracePeriodSeconds",
  "SecurityContext.privileged",
  "SecurityContext.runAsUser",
  "SecurityContext.runAsGroup",
  "SecurityContext.runAsNonRoot",
  "SecurityContext.readOnlyRootFilesystem",
  "SecurityContext.allowPrivilegeEscalation",
  "PodSecurityContext.runAsUser",
  "PodSecurityContext.runAsGroup",
  "PodSecurityContext.runAsNonRoot",
  "PodSecurityContext.fsGroup",
  "Toleration.tolerationSeconds",
  "ContainerStatus.started",
  "ClientIPConfig.timeoutSeconds",
  "ConfigMap.immutable",
  // client-go's leader election releases a Lease with holderIdentity "".
  "LeaseSpec.holderIdentity",
  "LeaseSpec.leaseDurationSeconds",
  "LeaseSpec.leaseTransitions",
  "LeaseSpec.strategy",
  "LeaseSpec.preferredHolder",
  // Non-pointer in Go, but a Scale's 0 replicas is the whole point of the request.
  "ScaleSpec.replicas",
]);

/** Kinds that travel as bodies without being stored resources. */
const EXTRA_KINDS: Record<string, string> = {
  DeleteOptions: "ktl.meta.v1.DeleteOptions",
  Scale: "ktl.autoscaling.v1.Scale",
  Binding: "ktl.core.v1.Binding",
};

const KUBE_TYPES = {
  Time: { fields: { seconds: { type: "int64", id: 1 }, nanos: { type: "int32", id: 2 } } },
  Quantity: { fields: { string: { type: "string", id: 1 } } },
  IntOrString: {
    fields: {
      type: { type: "int64", id: 1 },
      intVal: { type: "int32", id: 2 },
      strVal: { type: "string", id: 3 },
    },
  },
  TypeMeta: { fields: { apiVersion: { type: "string", id: 1 }, kind: { type: "string", id: 2 } } },
  Unknown: {
    fields: {
      typeMeta: { type: "TypeMeta", id: 1 },
      raw: { type: "bytes", id: 2 },
      contentEncoding: { type: "string", id: 3 },
      contentType: { type: "string", id: 4 },
    },
  },
};

interface FieldJson {
  type: string;
  keyType?: string;
}

/** Our descriptor with Kubernetes' messages in place of the string/oneof representations. */
function kubeWireRoot(): protobuf.Root {
  const json = structuredClone(descriptor) as unknown as protobuf.INamespace & {
    nested: Record<string, unknown>;
  };
  const retype = (ns: { nested?: Record<string, unknown> }): void => {
    for (const item of Object.values(ns.nested ?? {})) {
      const node = item as { fields?: Record<string, FieldJson>; nested?: Record<string, unknown> };
      for (const [name, field] of Object.entries(node.fields ?? {})) {
        if (field.type.endsWith("IntOrString")) field.type = ".kube.IntOrString";
        else if (field.type === "string" && !field.keyType && TIME_FIELDS.has(name))
          field.type = ".kube.Time";
        else if (field.type === "string" && QUANTITY_FIELDS.has(name)) field.type = ".kube.Quantity";
      }
      retype(node);
    }
  };
  retype(json);
  json.nested.kube = { nested: KUBE_TYPES };
  return protobuf.Root.fromJSON(json);
}

let root: protobuf.Root | undefined;

/** Decodes a protobuf request body into the JSON-shaped object the rest of the server handles. */
export function decodeKubeProtobuf(body: Buffer): Record<string, unknown> {
  if (body.length < MAGIC.length || !body.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw badRequest("the protobuf request body does not start with the Kubernetes magic number");
  }
  root ??= kubeWireRoot();
  let envelope: {
    typeMeta?: { apiVersion?: string; kind?: string };
    raw?: Uint8Array;
    contentEncoding?: string;
  };
  try {
    envelope = root.lookupType("kube.Unknown").decode(body.subarray(MAGIC.length)) as typeof envelope;
  } catch (err) {
    throw badRequest(`the protobuf request body could not be decoded: ${(err as Error).message}`);
  }
  const apiVersion = envelope.typeMeta?.apiVersion ?? "";
  const kind = envelope.typeMeta?.kind ?? "";
  if (envelope.contentEncoding) {
    throw badRequest(`unsupported protobuf content encoding ${JSON.stringify(envelope.contentEncoding)}`);
  }
  const protoType =
    RESOURCES.find((r) => r.kind === kind && apiVersionOf(r) === apiVersion)?.protoType ?? EXTRA_KINDS[kind];
  if (!protoType) throw badRequest(`no kind "${kind}" is registered for version "${apiVersion}"`);
  const type = root.lookupType(protoType);
  let message: protobuf.Message;
  try {
    message = type.decode(envelope.raw ?? new Uint8Array());
  } catch (err) {
    throw badRequest(`${kind} in version "${apiVersion}" cannot be decoded: ${(err as Error).message}`);
  }
  const obj = type.toObject(message, { longs: Number, enums: String, bytes: String, defaults: false });
  return { apiVersion, kind, ...(normalize(type, obj) as object) };
}

/** Kubernetes' messages back to JSON values, and Go's zero values back to "unset". */
function normalize(type: protobuf.Type, obj: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of type.fieldsArray) {
    const value = obj[field.name];
    if (value === undefined || value === null) continue;
    const convert = (v: unknown): unknown => normalizeValue(type, field, v);
    let result: unknown;
    if (field.map) {
      result = Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, convert(v)]),
      );
    } else if (field.repeated) {
      result = (value as unknown[]).map(convert);
    } else {
      result = convert(value);
    }
    if (result !== undefined) out[field.name] = result;
  }
  return out;
}

/** The fields of the three Kubernetes messages swapped in (Time, Quantity, IntOrString). */
interface KubeValue {
  seconds?: number;
  nanos?: number;
  string?: string;
  type?: number;
  intVal?: number;
  strVal?: string;
}

function normalizeValue(type: protobuf.Type, field: protobuf.Field, value: unknown): unknown {
  const child = field.resolvedType;
  if (child instanceof protobuf.Type) {
    const v = value as KubeValue;
    switch (child.fullName) {
      case ".kube.Time":
        return timeString(v, MICRO_TIME_FIELDS.has(field.name));
      case ".kube.Quantity":
        return v.string ?? "0";
      case ".kube.IntOrString":
        return v.type === 1 ? (v.strVal ?? "") : (v.intVal ?? 0);
      default:
        return normalize(child, value as Record<string, unknown>);
    }
  }
  if (field.repeated || field.map) return value;
  const isZero = value === "" || value === 0 || value === false;
  if (isZero && !POINTER_FIELDS.has(`${type.name}.${field.name}`)) return undefined;
  return value;
}

/** metav1.Time as JSON: RFC 3339 in seconds (MicroTime: microseconds); the zero time is unset. */
function timeString(t: KubeValue, micro: boolean): string | undefined {
  const seconds = t.seconds ?? 0;
  const nanos = t.nanos ?? 0;
  if (seconds === 0 && nanos === 0) return undefined;
  const iso = new Date(seconds * 1000).toISOString().slice(0, 19);
  return micro ? `${iso}.${String(Math.floor(nanos / 1000)).padStart(6, "0")}Z` : `${iso}Z`;
}
