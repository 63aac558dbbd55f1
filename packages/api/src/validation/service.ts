/** Service validation, after ValidateService in pkg/apis/core/validation. */
import { z } from "zod";
import {
  duplicate,
  forbiddenField,
  invalidValue,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  notSupported,
  required,
  type FieldError,
} from "@ktl/apimachinery";
import type { Service, ServicePort } from "../gen/types.js";
import { isExternallyAccessible } from "../defaults/service.js";
import { FIELD_IMMUTABLE_ERROR, IP_ERROR, isValidIP, isValidPortNum, nonSpecialIPErrors } from "./formats.js";
import { validateLabels } from "./labels.js";
import {
  ObjectMetaSchema,
  nameIsDNS1035Label,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from "./meta.js";
import { child, index } from "./path.js";
import { validatePortNumOrName } from "./probe.js";
import { anyObject, bool, int, intOrString, oneOf, opt, str, stringMap, strings } from "./schema.js";
import { clusterIPsOf, isHeadless, validateClusterIPs, validateClusterIPsUpdate } from "./service-ips.js";
import { PROTOCOLS } from "./container.js";

/** Twenty-four hours, the longest ClientIP affinity Kubernetes allows. */
const MAX_CLIENT_IP_AFFINITY_SECONDS = 86400;
const TRAFFIC_POLICIES = ["Cluster", "Local"];

export const ServiceSchema = z.object({
  metadata: opt(ObjectMetaSchema),
  spec: z.preprocess(
    (v) => v ?? {},
    z.object({
      ports: opt(
        z.array(
          z.object({
            name: opt(str()),
            protocol: oneOf(PROTOCOLS),
            appProtocol: opt(str()),
            port: opt(int()),
            targetPort: opt(intOrString()),
            nodePort: opt(int()),
          }),
        ),
      ),
      selector: opt(stringMap()),
      clusterIP: opt(str()),
      clusterIPs: opt(strings()),
      type: oneOf(["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]),
      externalIPs: opt(strings()),
      sessionAffinity: oneOf(["ClientIP", "None"]),
      loadBalancerIP: opt(str()),
      externalName: opt(str()),
      externalTrafficPolicy: opt(str()),
      healthCheckNodePort: opt(int()),
      publishNotReadyAddresses: opt(bool()),
      sessionAffinityConfig: opt(z.object({ clientIP: opt(z.object({ timeoutSeconds: opt(int()) })) })),
      ipFamilies: opt(strings()),
      ipFamilyPolicy: opt(str()),
      internalTrafficPolicy: opt(str()),
    }),
  ),
  status: opt(anyObject()),
});

export function validateService(svc: Service): FieldError[] {
  const spec = svc.spec ?? {};
  const ports = spec.ports ?? [];
  const errs = validateObjectMeta(svc.metadata, { namespaced: true, nameFn: nameIsDNS1035Label });
  if (ports.length === 0 && !isHeadless(svc) && spec.type !== "ExternalName")
    errs.push(required(child("spec", "ports")));
  errs.push(...validateTypeSpecific(svc));
  const names = new Set<string>();
  ports.forEach((p, i) =>
    errs.push(...validateServicePort(p, ports.length > 1, names, index(child("spec", "ports"), i))),
  );
  errs.push(...validateLabels(spec.selector, child("spec", "selector")));
  errs.push(...validateSessionAffinity(svc));
  errs.push(...validateClusterIPs(svc));
  (spec.externalIPs ?? []).forEach((ip, i) => {
    const ipPath = index(child("spec", "externalIPs"), i);
    const msgs = isValidIP(ip) ? nonSpecialIPErrors(ip) : [IP_ERROR];
    errs.push(...msgs.map((msg) => invalidValue(ipPath, ip, msg)));
  });
  errs.push(...validatePortUniqueness(svc));
  errs.push(...validateTrafficPolicies(svc));
  return errs;
}

export function validateServiceUpdate(svc: Service, old: Service): FieldError[] {
  const errs = validateObjectMetaUpdate(svc.metadata, old.metadata);
  errs.push(...validateClusterIPsUpdate(svc, old));
  const needsHealthCheck = (s: Service): boolean =>
    s.spec?.type === "LoadBalancer" && s.spec.externalTrafficPolicy === "Local";
  if (
    needsHealthCheck(svc) &&
    needsHealthCheck(old) &&
    svc.spec?.healthCheckNodePort !== old.spec?.healthCheckNodePort
  ) {
    errs.push(forbiddenField(child("spec", "healthCheckNodePort"), FIELD_IMMUTABLE_ERROR));
  }
  return [...errs, ...validateService(svc)];
}

function validateTypeSpecific(svc: Service): FieldError[] {
  const spec = svc.spec ?? {};
  const specPath = "spec";
  switch (spec.type) {
    case "LoadBalancer":
    case "NodePort":
      return isHeadless(svc)
        ? [
            invalidValue(
              index(child(specPath, "clusterIPs"), 0),
              "None",
              `may not be set to 'None' for ${spec.type} services`,
            ),
          ]
        : [];
    case "ExternalName": {
      const errs: FieldError[] = [];
      if (clusterIPsOf(svc).length > 0)
        errs.push(forbiddenField(child(specPath, "clusterIPs"), "may not be set for ExternalName services"));
      if ((spec.ipFamilies ?? []).length > 0)
        errs.push(forbiddenField(child(specPath, "ipFamilies"), "may not be set for ExternalName services"));
      if (spec.ipFamilyPolicy != null)
        errs.push(
          forbiddenField(child(specPath, "ipFamilyPolicy"), "may not be set for ExternalName services"),
        );
      // The value is a CNAME and may end in a dot to mark it fully qualified.
      const cname = (spec.externalName ?? "").replace(/\.$/, "");
      if (cname === "") errs.push(required(child(specPath, "externalName")));
      else
        errs.push(
          ...isDNS1123Subdomain(cname).map((msg) =>
            invalidValue(child(specPath, "externalName"), cname, msg),
          ),
        );
      return errs;
    }
    default:
      return [];
  }
}

/** With several ports each needs a distinct name, which Endpoints use to pair them up. */
function validateServicePort(
  sp: ServicePort,
  requireName: boolean,
  names: Set<string>,
  path: string,
): FieldError[] {
  const errs: FieldError[] = [];
  const name = sp.name ?? "";
  if (requireName && name === "") {
    errs.push(required(child(path, "name")));
  } else if (name !== "") {
    errs.push(...isDNS1123Label(name).map((msg) => invalidValue(child(path, "name"), name, msg)));
    if (names.has(name)) errs.push(duplicate(child(path, "name"), name));
    names.add(name);
  }
  errs.push(
    ...isValidPortNum(sp.port ?? 0).map((msg) => invalidValue(child(path, "port"), sp.port ?? 0, msg)),
  );
  errs.push(...validatePortNumOrName(sp.targetPort, child(path, "targetPort")));
  if (sp.appProtocol != null) {
    errs.push(
      ...isQualifiedName(sp.appProtocol).map((msg) =>
        invalidValue(child(path, "appProtocol"), sp.appProtocol, msg),
      ),
    );
  }
  return errs;
}

function validateSessionAffinity(svc: Service): FieldError[] {
  const spec = svc.spec ?? {};
  const path = child("spec", "sessionAffinityConfig");
  if (spec.sessionAffinity === "None" && spec.sessionAffinityConfig != null) {
    return [forbiddenField(path, "must not be set when session affinity is None")];
  }
  if (spec.sessionAffinity !== "ClientIP") return [];
  const detail = "when session affinity type is ClientIP";
  if (spec.sessionAffinityConfig == null) return [required(path, detail)];
  if (spec.sessionAffinityConfig.clientIP == null) return [required(child(path, "clientIP"), detail)];
  const timeout = spec.sessionAffinityConfig.clientIP.timeoutSeconds;
  const timeoutPath = child(path, "clientIP", "timeoutSeconds");
  if (timeout == null) return [required(timeoutPath, detail)];
  if (timeout <= 0 || timeout > MAX_CLIENT_IP_AFFINITY_SECONDS) {
    return [
      invalidValue(
        timeoutPath,
        timeout,
        `must be greater than 0 and less than ${MAX_CLIENT_IP_AFFINITY_SECONDS}`,
      ),
    ];
  }
  return [];
}

function validatePortUniqueness(svc: Service): FieldError[] {
  const spec = svc.spec ?? {};
  const errs: FieldError[] = [];
  const nodePorts = new Set<string>();
  const ports = new Set<string>();
  (spec.ports ?? []).forEach((p, i) => {
    const path = index(child("spec", "ports"), i);
    // A ClusterIP service is not reachable on nodes, so a node port would be a lie.
    if (spec.type === "ClusterIP" && p.nodePort) {
      errs.push(forbiddenField(child(path, "nodePort"), "may not be used when `type` is 'ClusterIP'"));
    }
    if (p.nodePort) {
      const k = `${p.protocol ?? ""}/${p.nodePort}`;
      if (nodePorts.has(k)) errs.push(duplicate(child(path, "nodePort"), p.nodePort));
      nodePorts.add(k);
    }
    const k = `${p.protocol ?? ""}/${p.port ?? 0}`;
    if (ports.has(k)) errs.push(duplicate(path, { protocol: p.protocol, port: p.port }));
    ports.add(k);
  });
  return errs;
}

function validateTrafficPolicies(svc: Service): FieldError[] {
  const spec = svc.spec ?? {};
  const errs: FieldError[] = [];
  const etp = spec.externalTrafficPolicy ?? "";
  const etpPath = child("spec", "externalTrafficPolicy");
  if (!isExternallyAccessible(svc)) {
    if (etp !== "")
      errs.push(invalidValue(etpPath, etp, "may only be set for externally-accessible services"));
  } else if (etp === "") {
    errs.push(required(etpPath));
  } else if (!TRAFFIC_POLICIES.includes(etp)) {
    errs.push(notSupported(etpPath, etp, TRAFFIC_POLICIES));
  }
  // The node port allocator fills healthCheckNodePort in; only a stray or bad one is an error here.
  const hc = spec.healthCheckNodePort ?? 0;
  const hcPath = child("spec", "healthCheckNodePort");
  if (hc !== 0 && !(spec.type === "LoadBalancer" && etp === "Local")) {
    errs.push(
      invalidValue(
        hcPath,
        hc,
        "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'",
      ),
    );
  } else if (hc !== 0) {
    errs.push(...isValidPortNum(hc).map((msg) => invalidValue(hcPath, hc, msg)));
  }
  const itpPath = child("spec", "internalTrafficPolicy");
  if (spec.internalTrafficPolicy == null) {
    if (spec.type !== "ExternalName") errs.push(required(itpPath));
  } else if (!TRAFFIC_POLICIES.includes(spec.internalTrafficPolicy)) {
    errs.push(notSupported(itpPath, spec.internalTrafficPolicy, TRAFFIC_POLICIES));
  }
  return errs;
}
