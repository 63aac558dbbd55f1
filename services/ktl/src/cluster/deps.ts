/**
 * The programs a local cluster runs, found on PATH; what is missing is
 * installed from Debian's packages (as scripts/install-deps.sh does) when
 * this is a Debian-like machine and ktl runs as root, else ktl says what to
 * install. The cluster's own services are the built dist/main.js files next
 * to ktl's in the monorepo.
 */
import { spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import { CliError } from "../cli/errors.js";

interface Requirement {
  /** A program looked up on PATH, or an absolute path that must be executable. */
  readonly program: string;
  readonly pkg: string;
}

const REQUIREMENTS: readonly Requirement[] = [
  { program: "etcd", pkg: "etcd-server" },
  { program: "nats-server", pkg: "nats-server" },
  { program: "containerd", pkg: "containerd" },
  { program: "runc", pkg: "runc" },
  { program: "docker-registry", pkg: "docker-registry" },
  { program: "/usr/lib/cni/bridge", pkg: "containernetworking-plugins" },
  // seedImages builds busybox and pause from it.
  { program: "/bin/busybox", pkg: "busybox-static" },
  { program: "nft", pkg: "nftables" },
  { program: "ip", pkg: "iproute2" },
];

/** The external programs the cluster's processes are started with. */
export interface Binaries {
  readonly etcd: string;
  readonly natsServer: string;
  readonly containerd: string;
  readonly dockerRegistry: string;
  /** node, for the cluster's own services. */
  readonly node: string;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable `name` on PATH (or `name` itself when it is a path). */
export function findProgram(name: string, env: NodeJS.ProcessEnv): string | undefined {
  if (name.includes("/")) return executable(name) ? name : undefined;
  // root's PATH may lack the sbin directories where Debian puts nats-server and runc.
  const dirs = [...(env.PATH ?? "").split(delimiter), "/usr/local/sbin", "/usr/sbin", "/sbin"];
  for (const dir of dirs.filter(Boolean)) {
    const candidate = join(dir, name);
    if (executable(candidate)) return candidate;
  }
  return undefined;
}

/** The Debian packages of the programs that are missing. */
export function missingPackages(env: NodeJS.ProcessEnv): string[] {
  return REQUIREMENTS.filter((r) => findProgram(r.program, env) === undefined).map((r) => r.pkg);
}

/**
 * Finds every program, installing missing ones with apt-get first (telling
 * `say` what it does). Throws a CliError that names the packages when they
 * cannot be installed here.
 */
export async function ensureBinaries(env: NodeJS.ProcessEnv, say: (line: string) => void): Promise<Binaries> {
  const missing = missingPackages(env);
  if (missing.length > 0) {
    const aptGet = findProgram("apt-get", env);
    if (!aptGet)
      throw new CliError(
        `missing ${missing.join(" ")} and this is not a Debian-like system (no apt-get); install them by hand`,
      );
    if (process.getuid?.() !== 0)
      throw new CliError(
        `missing ${missing.join(" ")}; run as root (or: sudo apt-get install ${missing.join(" ")})`,
      );
    say(`installing Debian packages: ${missing.join(" ")}`);
    const aptEnv = { ...env, DEBIAN_FRONTEND: "noninteractive" };
    await run(aptGet, ["update", "-qq"], aptEnv);
    await run(aptGet, ["install", "-y", "-qq", ...missing], aptEnv);
    const still = missingPackages(env);
    if (still.length > 0) throw new CliError(`still missing after apt-get install: ${still.join(" ")}`);
  }
  const need = (name: string): string => {
    const path = findProgram(name, env);
    if (!path) throw new CliError(`${name} not found on PATH`);
    return path;
  };
  return {
    etcd: need("etcd"),
    natsServer: need("nats-server"),
    containerd: need("containerd"),
    dockerRegistry: need("docker-registry"),
    node: process.execPath,
  };
}

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    // apt's own output goes to ktl's stderr, so that its progress and errors are seen.
    const child = spawn(command, args, { env, stdio: ["ignore", process.stderr, process.stderr] });
    child.once("error", (err) => reject(new CliError(`${command}: ${err.message}`)));
    child.once("exit", (code) =>
      code === 0 ? resolve() : reject(new CliError(`${command} ${args.join(" ")} failed (exit ${code})`)),
    );
  });
}

/** services/<name>/dist/main.js, beside ktl's own service directory. */
export function serviceMain(name: string): string {
  // This file is services/ktl/dist/cluster/deps.js.
  return fileURLToPath(new URL(`../../../${name}/dist/main.js`, import.meta.url));
}

/** Throws when a service has not been built. */
export function requireServices(names: readonly string[]): void {
  const missing = names.filter((n) => !executableOrReadable(serviceMain(n)));
  if (missing.length > 0)
    throw new CliError(
      `not built: ${missing.map((n) => `services/${n}/dist/main.js`).join(", ")}; run \`pnpm build\` in the repository`,
    );
}

function executableOrReadable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/** Whether services/<name> has been built (kube-proxy does not exist yet). */
export function serviceExists(name: string): boolean {
  return executableOrReadable(serviceMain(name));
}
