import type { Container, IntOrString, Probe } from "@ktl/api";
import { execProbe, type ProbeExecutor } from "./exec-probe.js";
import { httpProbe } from "./http-probe.js";
import type { ProbeOutcome } from "./outcome.js";
import { tcpProbe } from "./tcp-probe.js";

/** What one probe run needs to know about its container. */
export interface ProbeTarget {
  readonly container: Container;
  readonly containerId: string;
  /** The pod's IP, the default host of httpGet and tcpSocket probes. */
  readonly podIp: string | undefined;
  readonly timeoutMs: number;
}

/** Runs a probe's handler once (exec, httpGet or tcpSocket). */
export type ProbeRunner = (probe: Probe, target: ProbeTarget) => Promise<ProbeOutcome>;

/** The real handlers; exec goes through the runtime. */
export function probeRunner(runtime: ProbeExecutor): ProbeRunner {
  return async (probe, target) => {
    try {
      if (probe.exec) {
        return await execProbe({
          runtime,
          containerId: target.containerId,
          command: probe.exec.command ?? [],
          timeoutMs: target.timeoutMs,
        });
      }
      if (probe.httpGet) {
        const get = probe.httpGet;
        const port = resolvePort(get.port, target.container);
        const host = hostOf(get.host, target.podIp);
        const scheme = (get.scheme ?? "HTTP").toLowerCase() === "https" ? "https" : "http";
        const path = get.path ? (get.path.startsWith("/") ? get.path : `/${get.path}`) : "/";
        const hostPort = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
        return await httpProbe({
          url: new URL(`${scheme}://${hostPort}${path}`),
          headers: (get.httpHeaders ?? []).map((h) => ({ name: h.name ?? "", value: h.value ?? "" })),
          timeoutMs: target.timeoutMs,
        });
      }
      if (probe.tcpSocket) {
        return await tcpProbe({
          host: hostOf(probe.tcpSocket.host, target.podIp),
          port: resolvePort(probe.tcpSocket.port, target.container),
          timeoutMs: target.timeoutMs,
        });
      }
      return { result: "error", output: "probe has no handler (exec, httpGet or tcpSocket)" };
    } catch (err) {
      return { result: "error", output: err instanceof Error ? err.message : String(err) };
    }
  };
}

/** A port number, or the name of one of the container's ports (Kubernetes' ResolveContainerPort). */
export function resolvePort(port: IntOrString | undefined, container: Container): number {
  let value: number | undefined;
  if (typeof port === "number") value = port;
  else if (typeof port === "string" && /^\d+$/.test(port)) value = Number(port);
  else if (typeof port === "string") {
    value = container.ports?.find((p) => p.name === port)?.containerPort;
    if (value === undefined)
      throw new Error(`couldn't find port: ${port} in container ${container.name ?? ""}`);
  }
  if (value === undefined || !Number.isInteger(value) || value <= 0 || value >= 65536) {
    throw new Error(`invalid port number: ${String(port)}`);
  }
  return value;
}

function hostOf(host: string | undefined, podIp: string | undefined): string {
  const resolved = host || podIp;
  if (!resolved) throw new Error("the pod has no IP yet");
  return resolved;
}
