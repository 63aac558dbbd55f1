/**
 * What every command gets: its output streams, the global flags, and lazily
 * the kubeconfig, a REST client for the chosen context and discovery.
 */
import { readFileSync } from "node:fs";
import { Discovery } from "../client/discovery.js";
import { Kubeconfig, kubeconfigPaths } from "../client/kubeconfig.js";
import { RestClient, type RestConfig } from "../client/rest.js";
import { parseDuration } from "./duration.js";
import { CliError } from "./errors.js";
import type { FlagSpec, Flags } from "./flags.js";

export interface IO {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly stdin: NodeJS.ReadableStream;
  readonly env: NodeJS.ProcessEnv;
}

/** kubectl's global flags, accepted before or after any command. */
export const GLOBAL_FLAGS: readonly FlagSpec[] = [
  { name: "kubeconfig", type: "string", help: "Path to the kubeconfig file to use for CLI requests." },
  { name: "context", type: "string", help: "The name of the kubeconfig context to use" },
  { name: "cluster", type: "string", help: "The name of the kubeconfig cluster to use" },
  { name: "user", type: "string", help: "The name of the kubeconfig user to use" },
  { name: "server", short: "s", type: "string", help: "The address and port of the Kubernetes API server" },
  {
    name: "namespace",
    short: "n",
    type: "string",
    help: "If present, the namespace scope for this CLI request",
  },
  { name: "token", type: "string", help: "Bearer token for authentication to the API server" },
  {
    name: "insecure-skip-tls-verify",
    type: "bool",
    help: "If true, the server's certificate will not be checked for validity.",
  },
  {
    name: "certificate-authority",
    type: "string",
    help: "Path to a cert file for the certificate authority",
  },
  { name: "client-certificate", type: "string", help: "Path to a client certificate file for TLS" },
  { name: "client-key", type: "string", help: "Path to a client key file for TLS" },
  {
    name: "request-timeout",
    type: "string",
    default: "0",
    help: "The length of time to wait before giving up on a single server request (0 = no timeout).",
  },
  { name: "help", short: "h", type: "bool", help: "help for this command" },
];

export class Context {
  private config?: Kubeconfig;
  private rest?: RestClient;
  private discovered?: Promise<Discovery>;

  constructor(
    readonly io: IO,
    readonly flags: Flags,
    /** e.g. "ktl rollout status", for usage hints. */
    readonly commandName: string,
  ) {}

  out(text: string): void {
    this.io.stdout.write(text);
  }

  err(text: string): void {
    this.io.stderr.write(text);
  }

  kubeconfig(): Kubeconfig {
    const explicit = this.flags.string("kubeconfig");
    this.config ??= Kubeconfig.load(kubeconfigPaths(explicit || undefined, this.io.env), explicit !== "");
    return this.config;
  }

  contextName(): string {
    return this.flags.string("context") || this.kubeconfig().currentContext();
  }

  /** -n, else the context's namespace, else "default". */
  namespace(): string {
    const flag = this.flags.string("namespace");
    if (flag) return flag;
    const name = this.contextName();
    return (name && this.kubeconfig().context(name)?.namespace) || "default";
  }

  /** Whether -n was given (objects from files must then agree with it). */
  get namespaceExplicit(): boolean {
    return this.flags.string("namespace") !== "";
  }

  client(): RestClient {
    this.rest ??= new RestClient(this.restConfig());
    return this.rest;
  }

  discovery(): Promise<Discovery> {
    this.discovered ??= Discovery.load(this.client());
    return this.discovered;
  }

  private restConfig(): RestConfig {
    const kc = this.kubeconfig();
    const contextName = this.contextName();
    const context = contextName ? kc.context(contextName) : undefined;
    if (this.flags.string("context") && !context)
      throw new CliError(`context was not found for specified context: ${contextName}`);
    const clusterName = this.flags.string("cluster") || context?.cluster || "";
    const userName = this.flags.string("user") || context?.user || "";
    const cluster = clusterName ? kc.cluster(clusterName) : undefined;
    if (this.flags.string("cluster") && !cluster)
      throw new CliError(`cluster "${clusterName}" does not exist`);
    const user = (userName ? kc.user(userName) : undefined) ?? {};
    const file = (path: string | undefined): Buffer | undefined =>
      path ? readFileSync(kc.resolvePath(path)) : undefined;
    const data = (b64: string | undefined): Buffer | undefined =>
      b64 ? Buffer.from(b64, "base64") : undefined;
    const server = this.flags.string("server") || cluster?.server || "http://localhost:8080";
    const tokenFile = user.tokenFile
      ? readFileSync(kc.resolvePath(user.tokenFile), "utf8").trim()
      : undefined;
    return {
      server: /^https?:\/\//.test(server) ? server : `https://${server}`,
      ca:
        file(this.flags.string("certificate-authority") || cluster?.["certificate-authority"]) ??
        data(cluster?.["certificate-authority-data"]),
      cert:
        file(this.flags.string("client-certificate") || user["client-certificate"]) ??
        data(user["client-certificate-data"]),
      key: file(this.flags.string("client-key") || user["client-key"]) ?? data(user["client-key-data"]),
      insecure: this.flags.bool("insecure-skip-tls-verify") || cluster?.["insecure-skip-tls-verify"] === true,
      servername: cluster?.["tls-server-name"],
      token: this.flags.string("token") || user.token || tokenFile,
      username: user.username,
      password: user.password,
      timeoutMs: parseDuration(this.flags.string("request-timeout") || "0", "request-timeout"),
    };
  }
}
