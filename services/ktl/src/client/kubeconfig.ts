/**
 * kubeconfig files, as kubectl reads them: `--kubeconfig`, else every file in
 * `$KUBECONFIG` merged (the first file to define a name or current-context
 * wins), else `$KTL_HOME/kubeconfig` (KTL_HOME defaults to ~/.ktl), else
 * `~/.kube/config`. Writes go back to the file that holds the entry.
 */
import { existsSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { parse } from "yaml";
import { CliError } from "../cli/errors.js";
import { toYaml } from "../printers/yaml.js";

export interface ClusterEntry {
  server?: string;
  "certificate-authority"?: string;
  "certificate-authority-data"?: string;
  "insecure-skip-tls-verify"?: boolean;
  "tls-server-name"?: string;
}

export interface UserEntry {
  token?: string;
  tokenFile?: string;
  "client-certificate"?: string;
  "client-certificate-data"?: string;
  "client-key"?: string;
  "client-key-data"?: string;
  username?: string;
  password?: string;
}

export interface ContextEntry {
  cluster?: string;
  user?: string;
  namespace?: string;
}

/** One kubeconfig file's contents (unknown fields are kept when writing back). */
export interface KubeconfigFile {
  apiVersion?: string;
  kind?: string;
  clusters?: { name: string; cluster?: ClusterEntry }[];
  users?: { name: string; user?: UserEntry }[];
  contexts?: { name: string; context?: ContextEntry }[];
  "current-context"?: string;
  preferences?: Record<string, unknown>;
  [key: string]: unknown;
}

interface LoadedFile {
  readonly path: string;
  readonly data: KubeconfigFile;
}

/** The kubeconfig files to read, in precedence order. */
export function kubeconfigPaths(explicit: string | undefined, env: NodeJS.ProcessEnv): string[] {
  if (explicit) return [explicit];
  const list = (env.KUBECONFIG ?? "").split(":").filter(Boolean);
  if (list.length > 0) return list;
  const ktlHome = env.KTL_HOME || join(env.HOME || homedir(), ".ktl");
  const ktl = join(ktlHome, "kubeconfig");
  if (existsSync(ktl)) return [ktl];
  return [join(env.HOME || homedir(), ".kube", "config")];
}

export class Kubeconfig {
  private constructor(private readonly files: LoadedFile[]) {}

  /** `explicit`: the path was named with --kubeconfig, so it must exist. */
  static load(paths: readonly string[], explicit: boolean): Kubeconfig {
    const files: LoadedFile[] = [];
    for (const path of paths) {
      if (!existsSync(path)) {
        if (explicit) throw new CliError(`stat ${path}: no such file or directory`);
        continue;
      }
      let data: unknown;
      try {
        data = parse(readFileSync(path, "utf8"));
      } catch (err) {
        throw new CliError(`error loading config file "${path}": ${(err as Error).message}`);
      }
      files.push({ path, data: (data ?? {}) as KubeconfigFile });
    }
    // Writes to a config that does not exist yet create the first path.
    if (files.length === 0 && paths[0]) files.push({ path: paths[0], data: {} });
    return new Kubeconfig(files);
  }

  get paths(): string[] {
    return this.files.map((f) => f.path);
  }

  currentContext(): string {
    for (const f of this.files) if (f.data["current-context"]) return f.data["current-context"];
    return "";
  }

  contexts(): { name: string; context: ContextEntry }[] {
    return this.merged("contexts", "context") as { name: string; context: ContextEntry }[];
  }

  clusters(): { name: string; cluster: ClusterEntry }[] {
    return this.merged("clusters", "cluster") as { name: string; cluster: ClusterEntry }[];
  }

  users(): { name: string; user: UserEntry }[] {
    return this.merged("users", "user") as { name: string; user: UserEntry }[];
  }

  context(name: string): ContextEntry | undefined {
    return this.contexts().find((c) => c.name === name)?.context;
  }

  cluster(name: string): ClusterEntry | undefined {
    return this.clusters().find((c) => c.name === name)?.cluster;
  }

  user(name: string): UserEntry | undefined {
    return this.users().find((c) => c.name === name)?.user;
  }

  /** The merged view, as `kubectl config view` prints it. */
  view(): KubeconfigFile {
    return {
      apiVersion: "v1",
      clusters: this.clusters(),
      contexts: this.contexts(),
      "current-context": this.currentContext(),
      kind: "Config",
      preferences: {},
      users: this.users(),
    };
  }

  /** A relative file path in an entry is relative to the file that holds it. */
  resolvePath(path: string): string {
    if (isAbsolute(path)) return path;
    return resolve(dirname(this.files[0]?.path ?? "."), path);
  }

  setCurrentContext(name: string): void {
    const file = this.files[0];
    if (!file) throw new CliError("no kubeconfig file to write");
    file.data["current-context"] = name;
    this.save(file);
  }

  /** Creates or updates a context with the given fields ("" removes a field). */
  setContext(name: string, fields: ContextEntry): void {
    const holder =
      this.files.find((f) => (f.data.contexts ?? []).some((c) => c.name === name)) ?? this.files[0];
    if (!holder) throw new CliError("no kubeconfig file to write");
    const list = (holder.data.contexts ??= []);
    let entry = list.find((c) => c.name === name);
    if (!entry) {
      entry = { name, context: {} };
      list.push(entry);
    }
    const context: ContextEntry = { ...(entry.context ?? {}) };
    for (const [key, value] of Object.entries(fields) as [keyof ContextEntry, string | undefined][]) {
      if (value === undefined) continue;
      if (value === "") delete context[key];
      else context[key] = value;
    }
    entry.context = context;
    this.save(holder);
  }

  private save(file: LoadedFile): void {
    const data: KubeconfigFile = { apiVersion: "v1", kind: "Config", preferences: {}, ...file.data };
    mkdirSync(dirname(file.path), { recursive: true });
    writeFileSync(file.path, toYaml(data), { mode: 0o600 });
  }

  private merged(list: "contexts" | "clusters" | "users", body: string): Record<string, unknown>[] {
    const seen = new Set<string>();
    const out: Record<string, unknown>[] = [];
    for (const f of this.files) {
      for (const entry of (f.data[list] as { name?: string }[] | undefined) ?? []) {
        if (!entry?.name || seen.has(entry.name)) continue;
        seen.add(entry.name);
        out.push({ name: entry.name, [body]: (entry as Record<string, unknown>)[body] ?? {} });
      }
    }
    return out;
  }
}
