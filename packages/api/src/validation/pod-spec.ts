/** The pod spec, shared by Pods and the pod templates of workloads. */
import { z } from "zod";
import {
  inclusiveRangeError,
  invalidValue,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  required,
  type FieldError,
} from "@ktl/apimachinery";
import type { PodSpec } from "../gen/types.js";
import {
  ContainerSchema,
  PodSecurityContextSchema,
  validateContainers,
  validateInitContainers,
} from "./container.js";
import { MAX_INT32 } from "./formats.js";
import { LabelSelectorSchema, validateLabels } from "./labels.js";
import { child, index } from "./path.js";
import { bool, formatted, int, oneOf, opt, str, stringMap, strings } from "./schema.js";
import { validateAffinity, validateTolerations, validateTopologySpreadConstraints } from "./scheduling.js";
import { VolumeSchema, validateVolumes } from "./volume.js";

const NodeSelectorRequirementSchema = z.object({
  key: opt(str()),
  operator: opt(str()),
  values: opt(strings()),
});
const NodeSelectorTermSchema = z.object({
  matchExpressions: opt(z.array(NodeSelectorRequirementSchema)),
  matchFields: opt(z.array(NodeSelectorRequirementSchema)),
});
const PodAffinityTermSchema = z.object({
  labelSelector: opt(LabelSelectorSchema),
  namespaces: opt(strings()),
  topologyKey: opt(str()),
});
const PodAffinitySchema = z.object({
  requiredDuringSchedulingIgnoredDuringExecution: opt(z.array(PodAffinityTermSchema)),
  preferredDuringSchedulingIgnoredDuringExecution: opt(
    z.array(z.object({ weight: opt(int()), podAffinityTerm: opt(PodAffinityTermSchema) })),
  ),
});
const AffinitySchema = z.object({
  nodeAffinity: opt(
    z.object({
      requiredDuringSchedulingIgnoredDuringExecution: opt(
        z.object({ nodeSelectorTerms: opt(z.array(NodeSelectorTermSchema)) }),
      ),
      preferredDuringSchedulingIgnoredDuringExecution: opt(
        z.array(z.object({ weight: opt(int()), preference: opt(NodeSelectorTermSchema) })),
      ),
    }),
  ),
  podAffinity: opt(PodAffinitySchema),
  podAntiAffinity: opt(PodAffinitySchema),
});

/** Fields Kubernetes requires are defaulted first (see ../defaults), as the apiserver does. */
export const PodSpecSchema = z.object({
  volumes: opt(z.array(VolumeSchema)),
  initContainers: opt(z.array(ContainerSchema)),
  containers: opt(z.array(ContainerSchema)),
  restartPolicy: oneOf(["Always", "OnFailure", "Never"]),
  terminationGracePeriodSeconds: int(),
  activeDeadlineSeconds: opt(int()),
  dnsPolicy: oneOf(["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"]),
  nodeSelector: opt(stringMap()),
  serviceAccountName: opt(formatted(isDNS1123Subdomain)),
  serviceAccount: opt(str()),
  automountServiceAccountToken: opt(bool()),
  nodeName: opt(formatted(isDNS1123Subdomain)),
  hostNetwork: opt(bool()),
  hostPID: opt(bool()),
  hostIPC: opt(bool()),
  securityContext: opt(PodSecurityContextSchema),
  imagePullSecrets: opt(z.array(z.object({ name: opt(str()) }))),
  hostname: opt(formatted(isDNS1123Label)),
  subdomain: opt(formatted(isDNS1123Label)),
  affinity: opt(AffinitySchema),
  schedulerName: opt(str()),
  tolerations: opt(
    z.array(
      z.object({
        key: opt(str()),
        operator: opt(str()),
        value: opt(str()),
        effect: opt(str()),
        tolerationSeconds: opt(int()),
      }),
    ),
  ),
  priorityClassName: opt(formatted(isDNS1123Subdomain)),
  priority: opt(int()),
  readinessGates: opt(z.array(z.object({ conditionType: opt(str()) }))),
  enableServiceLinks: opt(bool()),
  preemptionPolicy: opt(oneOf(["PreemptLowerPriority", "Never"])),
  topologySpreadConstraints: opt(
    z.array(
      z.object({
        maxSkew: opt(int()),
        topologyKey: opt(str()),
        whenUnsatisfiable: opt(str()),
        labelSelector: opt(LabelSelectorSchema),
      }),
    ),
  ),
});

export interface PodSpecOptions {
  /** A Pod's own spec, as opposed to a template in a Deployment or ReplicaSet. */
  readonly isPod: boolean;
}

/** The cross-field rules of a pod spec; PodSpecSchema has already checked each field. */
export function validatePodSpec(spec: PodSpec, path: string, opts: PodSpecOptions): FieldError[] {
  const errs: FieldError[] = [];
  const volumes = validateVolumes(spec.volumes ?? [], child(path, "volumes"));
  errs.push(...volumes.errors);
  errs.push(...validateContainers(spec.containers ?? [], volumes.names, child(path, "containers")));
  errs.push(
    ...validateInitContainers(
      spec.initContainers ?? [],
      spec.containers ?? [],
      volumes.names,
      child(path, "initContainers"),
    ),
  );
  errs.push(...validateHostNetworkPorts(spec, path, opts));
  errs.push(...validateLabels(spec.nodeSelector, child(path, "nodeSelector")));
  if (spec.dnsPolicy === "None") {
    // This API has no dnsConfig, so a pod cannot say which resolvers to use instead.
    errs.push(required(child(path, "dnsConfig"), "must provide `dnsConfig` when `dnsPolicy` is None"));
  }
  const deadline = spec.activeDeadlineSeconds;
  if (deadline != null && (deadline < 1 || deadline > MAX_INT32)) {
    errs.push(
      invalidValue(child(path, "activeDeadlineSeconds"), deadline, inclusiveRangeError(1, MAX_INT32)),
    );
  }
  errs.push(...validateTolerations(spec.tolerations ?? [], child(path, "tolerations")));
  errs.push(...validateAffinity(spec.affinity, child(path, "affinity")));
  errs.push(
    ...validateTopologySpreadConstraints(
      spec.topologySpreadConstraints ?? [],
      child(path, "topologySpreadConstraints"),
    ),
  );
  (spec.readinessGates ?? []).forEach((gate, i) => {
    const type = gate.conditionType ?? "";
    const gatePath = child(index(child(path, "readinessGates"), i), "conditionType");
    for (const msg of isQualifiedName(type)) errs.push(invalidValue(gatePath, type, msg));
  });
  return errs;
}

/**
 * With hostNetwork the container listens on the node, so hostPort must equal
 * containerPort. Templates may leave it 0: it is defaulted when the pod is made.
 */
function validateHostNetworkPorts(spec: PodSpec, path: string, opts: PodSpecOptions): FieldError[] {
  if (spec.hostNetwork !== true) return [];
  const errs: FieldError[] = [];
  (spec.containers ?? []).forEach((c, ci) => {
    (c.ports ?? []).forEach((p, pi) => {
      const hp = p.hostPort ?? 0;
      if ((opts.isPod || hp !== 0) && hp !== p.containerPort) {
        const portPath = index(child(index(child(path, "containers"), ci), "ports"), pi);
        errs.push(
          invalidValue(
            child(portPath, "hostPort"),
            hp,
            "must match `containerPort` when `hostNetwork` is true",
          ),
        );
      }
    });
  });
  return errs;
}
