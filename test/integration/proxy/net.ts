/**
 * A throwaway pod network for proxy tests: one ktl bridge on a free /24 of
 * the pod range (100.64.200-249.0/24), "pods" as network namespaces with a
 * veth on it (hairpin on, as the CNI bridge plugin sets it), each running a
 * small TCP/UDP backend (netns-tool.mjs). Every address used is inside the
 * pod range behind this bridge, or a ClusterIP handled on this machine; the
 * host safety net (unreachable routes, guard table) is installed first.
 * Everything is removed by teardown(), whatever happened before.
 */
import { execFile } from "node:child_process";
import { randomBytes, randomInt } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { ensureHostSafety, hostSafetyInstalled, removeHostSafety } from "@ktl/node-network";
import { Child } from "@ktl/testing";

const exec = promisify(execFile);
const TOOL = fileURLToPath(new URL("./netns-tool.mjs", import.meta.url));
export const RANGES = { podCidr: "100.64.0.0/16", serviceCidr: "100.96.0.0/16" };

/** Runs a command (no shell) and returns stdout; rejects with stderr in the message. */
export async function sh(command: string, ...args: string[]): Promise<string> {
  try {
    return (await exec(command, args, { maxBuffer: 16 * 1024 * 1024 })).stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${command} ${args.join(" ")}: ${e.stderr?.trim() || e.message}`);
  }
}

export interface Backend {
  readonly name: string;
  readonly ip: string;
  readonly netns: string;
  /** Starts (again) the TCP/UDP server inside the namespace. */
  start(): Promise<void>;
  /** Stops the server; the address stays (connections are refused). */
  stop(): Promise<void>;
}

export class ProxyTestNet {
  readonly id = randomBytes(3).toString("hex");
  /** The third octet of this net's pod /24 and service /24 (100.64.X.0/24, 100.96.X.0/24). */
  octet = 0;
  readonly bridge = `ktl${this.id}px`;
  private readonly steps: (() => Promise<unknown>)[] = [];
  private hadGuard = true;
  private logDir = "";

  get gateway(): string {
    return `100.64.${this.octet}.1`;
  }

  /** A ClusterIP in this net's service /24. */
  serviceIp(host: number): string {
    return `100.96.${this.octet}.${host}`;
  }

  async setup(): Promise<void> {
    this.hadGuard = await hostSafetyInstalled();
    await ensureHostSafety(RANGES);
    this.logDir = await mkdtemp(join(tmpdir(), "ktl-proxy-net-"));
    this.steps.push(() => rm(this.logDir, { recursive: true, force: true }));
    // A /24 no bridge serves yet: its addresses still hit the unreachable route.
    for (let attempt = 0; ; attempt++) {
      const octet = randomInt(200, 250);
      const route = await sh("ip", "-4", "route", "get", `100.64.${octet}.1`).catch((e: Error) => e.message);
      const lo = await sh("ip", "-4", "addr", "show", "dev", "lo");
      if (/unreachable|No route/.test(route) && !lo.includes(`100.96.${octet}.`)) {
        this.octet = octet;
        break;
      }
      if (attempt > 20) throw new Error("no free /24 in 100.64.200-249");
    }
    this.steps.push(() => sh("ip", "link", "delete", "dev", this.bridge));
    await sh("ip", "link", "add", this.bridge, "type", "bridge");
    await sh("ip", "addr", "add", `${this.gateway}/24`, "dev", this.bridge);
    await sh("ip", "link", "set", this.bridge, "up");
  }

  /** A pod-like namespace at 100.64.X.<host> on the bridge. */
  async pod(name: string, host: number): Promise<{ netns: string; ip: string }> {
    const netns = `ktl-px-${this.id}-${name}`;
    const hostEnd = `kpx${this.id}${host}`;
    const ip = `100.64.${this.octet}.${host}`;
    this.steps.push(() => sh("ip", "netns", "delete", netns));
    await sh("ip", "netns", "add", netns);
    this.steps.push(() => sh("ip", "link", "delete", "dev", hostEnd));
    await sh("ip", "link", "add", hostEnd, "type", "veth", "peer", "name", "eth0", "netns", netns);
    await sh("ip", "link", "set", hostEnd, "master", this.bridge, "up");
    await sh("ip", "link", "set", hostEnd, "type", "bridge_slave", "hairpin", "on");
    await sh("ip", "-n", netns, "link", "set", "lo", "up");
    await sh("ip", "-n", netns, "link", "set", "eth0", "up");
    await sh("ip", "-n", netns, "addr", "add", `${ip}/24`, "dev", "eth0");
    await sh("ip", "-n", netns, "route", "add", "default", "via", this.gateway);
    return { netns, ip };
  }

  /** A pod running the backend: TCP `tcpPort` greets with its name, UDP `udpPort` echoes. */
  async backend(name: string, host: number, tcpPort = 8080, udpPort = 5353): Promise<Backend> {
    const { netns, ip } = await this.pod(name, host);
    let child: Child | undefined;
    const backend: Backend = {
      name,
      ip,
      netns,
      start: async () => {
        if (child?.running) return;
        const started = new Child({
          command: "ip",
          args: [
            "netns",
            "exec",
            netns,
            process.execPath,
            TOOL,
            "serve",
            name,
            ip,
            String(tcpPort),
            String(udpPort),
          ],
          logFile: join(this.logDir, `${name}.log`),
        });
        child = started;
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`backend ${name} did not start`)), 10_000);
          started.process.stdout?.on("data", (chunk: Buffer) => {
            if (chunk.toString().includes("ready")) {
              clearTimeout(timer);
              resolve();
            }
          });
          started.process.once("exit", (code) => reject(new Error(`backend ${name} exited with ${code}`)));
        });
      },
      stop: async () => {
        await child?.stop();
      },
    };
    this.steps.push(() => backend.stop());
    await backend.start();
    return backend;
  }

  /** Runs netns-tool.mjs `mode` inside `netns` and returns its JSON output. */
  async inPod(
    netns: string,
    mode: "hello" | "udp",
    ip: string,
    port: number,
    count: number,
  ): Promise<string[]> {
    const out = await sh(
      "ip",
      "netns",
      "exec",
      netns,
      process.execPath,
      TOOL,
      mode,
      ip,
      String(port),
      String(count),
    );
    return JSON.parse(out) as string[];
  }

  /** Removes everything, in reverse order, ignoring what is already gone. */
  async teardown(): Promise<void> {
    for (const step of this.steps.reverse()) await step().catch(() => undefined);
    this.steps.length = 0;
    if (!this.hadGuard) await removeHostSafety(RANGES);
  }
}
