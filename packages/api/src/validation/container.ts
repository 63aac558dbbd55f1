/** Containers and init containers of a pod spec, after validateContainers. */
import { z } from "zod";
import {
  duplicate,
  forbiddenField,
  invalidValue,
  isDNS1123Label,
  required,
  type FieldError,
} from "@ktl/apimachinery";
import type { Container, SecurityContext } from "../gen/types.js";
import { validateEnv, validateEnvFrom, EnvFromSourceSchema, EnvVarSchema } from "./env.js";
import { isValidPortName, isValidPortNum, isValidUserOrGroupID } from "./formats.js";
import { child, index } from "./path.js";
import {
  LifecycleHandlerSchema,
  ProbeSchema,
  validateHandler,
  validateProbe,
  type ProbeKind,
} from "./probe.js";
import { validateResourceRequirements } from "./resources.js";
import {
  addRule,
  bool,
  formatted,
  int,
  oneOf,
  opt,
  requiredString,
  str,
  stringMap,
  strings,
} from "./schema.js";
import { VolumeMountSchema, validateVolumeMounts } from "./volume.js";

export const PROTOCOLS = ["SCTP", "TCP", "UDP"];

/** 0 means "not set" for containerPort (required) and hostPort (optional). */
const containerPort = int().superRefine((v, ctx) => {
  if (v === 0) addRule(ctx, { rule: "required" });
  else for (const detail of isValidPortNum(v)) addRule(ctx, { rule: "invalid", detail });
});
const hostPort = int().superRefine((v, ctx) => {
  if (v !== 0) for (const detail of isValidPortNum(v)) addRule(ctx, { rule: "invalid", detail });
});
const id = int().superRefine((v, ctx) => {
  for (const detail of isValidUserOrGroupID(v)) addRule(ctx, { rule: "invalid", detail });
});

export const ContainerSchema = z.object({
  name: requiredString(isDNS1123Label),
  image: requiredString(),
  command: opt(strings()),
  args: opt(strings()),
  workingDir: opt(str()),
  ports: opt(
    z.array(
      z.object({
        name: opt(formatted(isValidPortName)),
        hostPort: opt(hostPort),
        containerPort,
        protocol: oneOf(PROTOCOLS),
        hostIP: opt(str()),
      }),
    ),
  ),
  envFrom: opt(z.array(EnvFromSourceSchema)),
  env: opt(z.array(EnvVarSchema)),
  resources: opt(z.object({ limits: opt(stringMap()), requests: opt(stringMap()) })),
  volumeMounts: opt(z.array(VolumeMountSchema)),
  livenessProbe: opt(ProbeSchema),
  readinessProbe: opt(ProbeSchema),
  startupProbe: opt(ProbeSchema),
  lifecycle: opt(z.object({ postStart: opt(LifecycleHandlerSchema), preStop: opt(LifecycleHandlerSchema) })),
  terminationMessagePath: opt(str()),
  terminationMessagePolicy: oneOf(["File", "FallbackToLogsOnError"]),
  imagePullPolicy: oneOf(["Always", "IfNotPresent", "Never"]),
  securityContext: opt(
    z.object({
      privileged: opt(bool()),
      runAsUser: opt(id),
      runAsGroup: opt(id),
      runAsNonRoot: opt(bool()),
      readOnlyRootFilesystem: opt(bool()),
      allowPrivilegeEscalation: opt(bool()),
      capabilities: opt(z.object({ add: opt(strings()), drop: opt(strings()) })),
    }),
  ),
  stdin: opt(bool()),
  stdinOnce: opt(bool()),
  tty: opt(bool()),
});

export const PodSecurityContextSchema = z.object({
  runAsUser: opt(id),
  runAsGroup: opt(id),
  runAsNonRoot: opt(bool()),
  supplementalGroups: opt(z.array(id)),
  fsGroup: opt(id),
});

const PROBES: readonly ProbeKind[] = ["livenessProbe", "readinessProbe", "startupProbe"];

/** Rules common to regular and init containers that the schema cannot express. */
function validateContainerCommon(c: Container, volumes: ReadonlySet<string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const portNames = new Set<string>();
  (c.ports ?? []).forEach((p, i) => {
    const name = p.name ?? "";
    if (name === "" || isValidPortName(name).length > 0) return;
    if (portNames.has(name)) errs.push(duplicate(child(index(child(path, "ports"), i), "name"), name));
    portNames.add(name);
  });
  errs.push(...validateEnv(c.env ?? [], child(path, "env")));
  errs.push(...validateEnvFrom(c.envFrom ?? [], child(path, "envFrom")));
  errs.push(...validateVolumeMounts(c.volumeMounts ?? [], volumes, child(path, "volumeMounts")));
  errs.push(...validateResourceRequirements(c.resources, child(path, "resources")));
  errs.push(...validateSecurityContext(c.securityContext, child(path, "securityContext")));
  return errs;
}

function validateSecurityContext(sc: SecurityContext | undefined | null, path: string): FieldError[] {
  if (sc == null || sc.allowPrivilegeEscalation !== false) return [];
  const errs: FieldError[] = [];
  if (sc.privileged === true) {
    errs.push(
      invalidValue(path, sc, "cannot set `allowPrivilegeEscalation` to false and `privileged` to true"),
    );
  }
  if ((sc.capabilities?.add ?? []).includes("CAP_SYS_ADMIN")) {
    errs.push(
      invalidValue(
        path,
        sc,
        "cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN",
      ),
    );
  }
  return errs;
}

export function validateContainers(
  containers: Container[],
  volumes: ReadonlySet<string>,
  path: string,
): FieldError[] {
  if (containers.length === 0) return [required(path)];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  containers.forEach((c, i) => {
    const idx = index(path, i);
    errs.push(...validateContainerCommon(c, volumes, idx));
    const name = c.name ?? "";
    if (names.has(name)) errs.push(duplicate(child(idx, "name"), name));
    names.add(name);
    if (c.lifecycle?.postStart != null)
      errs.push(...validateHandler(c.lifecycle.postStart, child(idx, "lifecycle", "postStart")));
    if (c.lifecycle?.preStop != null)
      errs.push(...validateHandler(c.lifecycle.preStop, child(idx, "lifecycle", "preStop")));
    for (const kind of PROBES) errs.push(...validateProbe(c[kind], kind, child(idx, kind)));
  });
  return [...errs, ...checkHostPortConflicts(containers, path)];
}

/** Init containers run one at a time, to completion: no probes or hooks, names unique pod-wide. */
export function validateInitContainers(
  init: Container[],
  regular: Container[],
  volumes: ReadonlySet<string>,
  path: string,
): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set(regular.map((c) => c.name ?? ""));
  init.forEach((c, i) => {
    const idx = index(path, i);
    errs.push(...validateContainerCommon(c, volumes, idx));
    const name = c.name ?? "";
    if (names.has(name)) errs.push(duplicate(child(idx, "name"), name));
    else if (name !== "") names.add(name);
    errs.push(...checkHostPortConflicts([c], path));
    for (const field of ["lifecycle", ...PROBES] as const) {
      if (c[field] != null) {
        errs.push(
          forbiddenField(
            child(idx, field),
            "may not be set for init containers without restartPolicy=Always",
          ),
        );
      }
    }
  });
  return errs;
}

/** Two ports cannot claim the same protocol/hostIP/hostPort on the node. */
function checkHostPortConflicts(containers: Container[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  containers.forEach((c, ci) => {
    (c.ports ?? []).forEach((p, pi) => {
      if (!p.hostPort) return;
      const k = `${p.protocol ?? ""}/${p.hostIP ?? ""}/${p.hostPort}`;
      if (seen.has(k)) errs.push(duplicate(child(index(child(index(path, ci), "ports"), pi), "hostPort"), k));
      seen.add(k);
    });
  });
  return errs;
}
