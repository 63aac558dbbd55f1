/** Probes and lifecycle hooks: one handler each, valid ports, sane timings. */
import { z } from "zod";
import { forbiddenField, invalidValue, required, type FieldError } from "@ktl/apimachinery";
import type { HTTPGetAction, IntOrString, LifecycleHandler, Probe } from "../gen/types.js";
import { isHTTPHeaderName, isValidPortName, isValidPortNum } from "./formats.js";
import { child } from "./path.js";
import { int, intOrString, nonNegative, oneOf, opt, str, strings } from "./schema.js";

const HandlerShape = {
  exec: opt(z.object({ command: opt(strings()) })),
  httpGet: opt(
    z.object({
      path: opt(str()),
      port: opt(intOrString()),
      host: opt(str()),
      scheme: opt(oneOf(["HTTP", "HTTPS"])),
      httpHeaders: opt(z.array(z.object({ name: opt(str()), value: opt(str()) }))),
    }),
  ),
  tcpSocket: opt(z.object({ port: opt(intOrString()), host: opt(str()) })),
};

export const LifecycleHandlerSchema = z.object(HandlerShape);

export const ProbeSchema = z.object({
  ...HandlerShape,
  initialDelaySeconds: opt(nonNegative()),
  timeoutSeconds: opt(nonNegative()),
  periodSeconds: opt(nonNegative()),
  successThreshold: opt(nonNegative()),
  failureThreshold: opt(nonNegative()),
  terminationGracePeriodSeconds: opt(int()),
});

export type ProbeKind = "livenessProbe" | "readinessProbe" | "startupProbe";

export function validateProbe(probe: Probe | undefined | null, kind: ProbeKind, path: string): FieldError[] {
  if (probe == null) return [];
  const errs = validateHandler(probe, path);
  // A liveness or startup probe that needs several successes would restart healthy containers.
  if (kind !== "readinessProbe" && (probe.successThreshold ?? 0) !== 1) {
    errs.push(invalidValue(child(path, "successThreshold"), probe.successThreshold ?? 0, "must be 1"));
  }
  const grace = probe.terminationGracePeriodSeconds;
  if (kind === "readinessProbe" && grace != null) {
    errs.push(
      invalidValue(
        child(path, "terminationGracePeriodSeconds"),
        grace,
        "must not be set for readinessProbes",
      ),
    );
  } else if (grace != null && grace <= 0) {
    errs.push(invalidValue(child(path, "terminationGracePeriodSeconds"), grace, "must be greater than 0"));
  }
  return errs;
}

/** Exactly one of exec, httpGet and tcpSocket; the later ones are forbidden when one is set. */
export function validateHandler(handler: LifecycleHandler, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let count = 0;
  const take = (name: string, check: () => FieldError[]): void => {
    if (count > 0) {
      errs.push(forbiddenField(child(path, name), "may not specify more than 1 handler type"));
    } else {
      count++;
      errs.push(...check());
    }
  };
  const { exec, httpGet, tcpSocket } = handler;
  if (exec != null) {
    take("exec", () => ((exec.command ?? []).length === 0 ? [required(child(path, "exec", "command"))] : []));
  }
  if (httpGet != null) take("httpGet", () => validateHTTPGet(httpGet, child(path, "httpGet")));
  if (tcpSocket != null)
    take("tcpSocket", () => validatePortNumOrName(tcpSocket.port, child(path, "tcpSocket", "port")));
  if (count === 0) errs.push(required(path, "must specify a handler type"));
  return errs;
}

function validateHTTPGet(action: HTTPGetAction, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!action.path) errs.push(required(child(path, "path")));
  errs.push(...validatePortNumOrName(action.port, child(path, "port")));
  for (const header of action.httpHeaders ?? []) {
    const name = header.name ?? "";
    for (const msg of isHTTPHeaderName(name)) errs.push(invalidValue(child(path, "httpHeaders"), name, msg));
  }
  return errs;
}

/** A port given by number (1-65535) or by a container port's IANA_SVC_NAME. */
export function validatePortNumOrName(port: IntOrString | undefined | null, path: string): FieldError[] {
  const value = port ?? 0;
  const msgs = typeof value === "number" ? isValidPortNum(value) : isValidPortName(value);
  return msgs.map((msg) => invalidValue(path, value, msg));
}
