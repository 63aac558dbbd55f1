/** Asking a component whether it is healthy: an HTTP endpoint, or containerd's CRI. */
import { CriClient } from "@ktl/cri";
import type { HealthCheck } from "./components.js";

export interface HealthResult {
  readonly ok: boolean;
  /** "ok", "HTTP 503: not ready: …", "connection refused", … */
  readonly detail: string;
}

/** One bounded attempt. */
export async function checkHealth(check: HealthCheck, timeoutMs = 2000): Promise<HealthResult> {
  if (check.kind === "cri") {
    const cri = new CriClient(`unix://${check.socket}`);
    try {
      // Version answers only once the CRI plugin has loaded.
      const v = await cri.version({ version: "v1" }, { timeoutMs });
      return { ok: true, detail: `ok (${v.runtimeName ?? "?"} ${v.runtimeVersion ?? "?"})` };
    } catch (err) {
      return { ok: false, detail: shortError(err) };
    } finally {
      cri.close();
    }
  }
  try {
    const response = await fetch(check.url, { signal: AbortSignal.timeout(timeoutMs) });
    const body = (await response.text()).trim().slice(0, 120);
    if (response.status === 200) return { ok: true, detail: "ok" };
    return { ok: false, detail: `HTTP ${response.status}${body ? `: ${body}` : ""}` };
  } catch (err) {
    return { ok: false, detail: shortError(err) };
  }
}

function shortError(err: unknown): string {
  const e = err as { cause?: { code?: string; message?: string }; message?: string; name?: string };
  if (e.name === "TimeoutError") return "timed out";
  if (e.cause?.code === "ECONNREFUSED") return "connection refused";
  return (e.cause?.message ?? e.message ?? String(err)).split("\n")[0] ?? "";
}
