/**
 * $KTL_HOME/state.json: what `cluster up` set up, read by `down`, `status`,
 * `logs` and `image push` (the registry's address). Pids are not in it:
 * they live in run/<component>.pid, one file per daemon.
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { CliError } from "../cli/errors.js";
import type { ClusterSettings } from "./settings.js";

export const STATE_VERSION = 1;

export interface ClusterAddresses {
  /** e.g. "http://127.0.0.1:2379" */
  readonly etcd: string;
  /** e.g. "nats://127.0.0.1:4222" */
  readonly nats: string;
  readonly natsMonitor: string;
  /** "127.0.0.1:5000", as image references name it. */
  readonly registry: string;
  readonly apiserver: string;
  /** The gRPC address the other components use. */
  readonly apiserverGrpc: string;
  readonly controllerManager: string;
  readonly scheduler: string;
}

export interface ClusterState {
  readonly version: number;
  readonly settings: ClusterSettings;
  readonly addresses: ClusterAddresses;
  /**
   * Whether this cluster installed the host safety net (routes, nft table);
   * `down` removes it only then, and only when no other cluster uses it.
   */
  readonly hostSafetyOwned: boolean;
  /** The pod and service ranges the safety net was installed for. */
  readonly hostSafety: { readonly podRange: string; readonly serviceRange: string };
  /** RFC 3339; the last `up`. */
  readonly updated: string;
}

/** The state, or undefined when there is none (never set up, or purged). */
export async function readState(file: string): Promise<ClusterState | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  let state: Partial<ClusterState>;
  try {
    state = JSON.parse(text) as Partial<ClusterState>;
  } catch (err) {
    throw new CliError(`${file} is not valid JSON (${(err as Error).message}); fix or delete it`);
  }
  if (state.version !== STATE_VERSION || !state.settings || !state.addresses)
    throw new CliError(`${file} is not a ktl cluster state of version ${STATE_VERSION}; fix or delete it`);
  return state as ClusterState;
}

/** Written to a temporary file and renamed, so that a reader never sees half of it. */
export async function writeState(file: string, state: ClusterState): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(state, null, 2) + "\n");
  await rename(tmp, file);
}
