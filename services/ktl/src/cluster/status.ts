/**
 * `ktl cluster status`: every component's pid, whether it runs, its health
 * (its HTTP /healthz or /readyz, containerd's CRI Version) and address.
 */
import { allComponents } from "./components.js";
import { checkHealth } from "./health.js";
import { clusterPaths, pidFile } from "./home.js";
import { readPidFile } from "./processes.js";
import { runningPid } from "./lifecycle.js";
import { readState } from "./state.js";

export interface ComponentStatus {
  readonly name: string;
  /** The recorded pid, if any. */
  readonly pid?: number;
  readonly running: boolean;
  readonly healthy: boolean;
  /** "ok", "HTTP 503: …", "connection refused", "-" when not running. */
  readonly health: string;
  readonly address: string;
}

/** undefined when there is no cluster state under `home`. */
export async function clusterStatus(home: string): Promise<ComponentStatus[] | undefined> {
  const paths = clusterPaths(home);
  const state = await readState(paths.stateFile);
  if (!state) return undefined;
  return Promise.all(
    allComponents(paths, state.settings).map(async (c): Promise<ComponentStatus> => {
      const recorded = await readPidFile(pidFile(paths, c.name));
      const pid = await runningPid(paths, c);
      if (pid === undefined)
        return {
          name: c.name,
          pid: recorded,
          running: false,
          healthy: false,
          health: "-",
          address: c.address,
        };
      const health = await checkHealth(c.health, 3000);
      return {
        name: c.name,
        pid,
        running: true,
        healthy: health.ok,
        health: health.detail,
        address: c.address,
      };
    }),
  );
}

/** Whether everything runs and is healthy. */
export const allHealthy = (rows: readonly ComponentStatus[]): boolean =>
  rows.every((r) => r.running && r.healthy);
