import { request as httpRequest, type IncomingMessage } from "node:http";
import type { Request, Response } from "express";
import { findResource, parsePodLogOptions, type Node, type Pod } from "@ktl/api";
import { badRequest, internalError, StatusError, statusFromObject } from "@ktl/apimachinery";
import { logsSubject, RelayRemoteError, type Bus, type LogsRelayRequest, type RelayStream } from "@ktl/nats";
import type { Reads } from "../registry/reads.js";
import { openNodeRelay } from "../relay/node-relay.js";
import { sendStatus } from "./status.js";

/** The kubelet's port when its Node does not say (Kubernetes' default). */
const DEFAULT_KUBELET_PORT = 10250;

/**
 * `GET /api/v1/namespaces/{ns}/pods/{name}/log`: validates the request here,
 * then streams the answer of the pod's kubelet back, as Kubernetes'
 * apiserver does: over the NATS relay (`node.<node>.logs`) when this
 * apiserver has a bus and the kubelet serves it, else by HTTP from the
 * kubelet's `/containerLogs/...`. The kubelet's own errors (a container still
 * waiting, no previous instance) are Status objects passed through as they are.
 */
export async function servePodLog(
  reads: Reads,
  req: Request,
  res: Response,
  target: { namespace: string | undefined; name: string },
  bus?: Bus,
): Promise<void> {
  const query = new URLSearchParams(req.url.slice(req.url.indexOf("?") + 1 || req.url.length));
  const options = parsePodLogOptions(query);
  const { pod, container, node } = await podOnNode(reads, target, options.container);
  query.set("container", container);
  const namespace = pod.metadata?.namespace ?? "";
  const request: LogsRelayRequest = { namespace, pod: target.name, container, query: query.toString() };
  const stream = await openNodeRelay(bus, logsSubject(node.metadata?.name ?? ""), request).catch(
    throwRelayFailure,
  );
  if (stream) return relayLog(res, stream);
  const path =
    `/containerLogs/${encodeURIComponent(namespace)}/` +
    `${encodeURIComponent(target.name)}/${encodeURIComponent(container)}?${query.toString()}`;
  await proxy(res, { ...kubeletAddress(node), path });
}

/** The pod, the container asked for (Kubernetes' choice rules) and the Node it runs on. */
export async function podOnNode(
  reads: Reads,
  target: { namespace: string | undefined; name: string },
  requested: string | undefined,
): Promise<{ pod: Pod; container: string; node: Node }> {
  const pod = (await reads.get(requireResource("pods"), target.namespace, target.name)) as Pod;
  const container = chooseContainer(pod, requested);
  const nodeName = pod.spec?.nodeName;
  if (!nodeName) throw badRequest(`pod ${target.name} does not have a host assigned`);
  const node = (await reads.get(requireResource("nodes"), undefined, nodeName)) as Node;
  return { pod, container, node };
}

/** A kubelet's refusal is its Status; silence is the apiserver's 500 like an unreachable kubelet. */
export function throwRelayFailure(err: unknown): never {
  if (err instanceof RelayRemoteError) {
    throw new StatusError(statusFromObject(err.payload) ?? internalError(err).status);
  }
  throw internalError(new Error(`error reaching the kubelet over NATS: ${(err as Error).message}`));
}

/** Resolves when `res` can take more, or is gone. */
function drained(res: Response): Promise<void> {
  return new Promise((resolve) => {
    if (res.destroyed) return resolve();
    const done = (): void => {
      res.off("drain", done).off("close", done);
      resolve();
    };
    res.on("drain", done).on("close", done);
  });
}

/** Streams relay chunks to the client, holding the relay back while the client is slow. */
async function relayLog(res: Response, stream: RelayStream): Promise<void> {
  res.status(200).type("text/plain; charset=utf-8").set("cache-control", "no-cache");
  res.flushHeaders();
  res.once("close", () => stream.cancel());
  try {
    for await (const { data } of stream) {
      if (res.destroyed) break;
      if (!res.write(data)) await drained(res);
    }
  } catch {
    // The kubelet failed or went silent mid-stream: end what was sent, as the HTTP proxy does.
  }
  res.end();
}

function requireResource(resource: string) {
  const info = findResource("", resource);
  if (!info) throw new Error(`resource ${resource} is not registered`);
  return info;
}

/** Kubernetes' rules: the named container, or the only one, or an error listing the choices. */
export function chooseContainer(pod: Pod, requested: string | undefined): string {
  const name = pod.metadata?.name ?? "";
  const containers = (pod.spec?.containers ?? []).map((c) => c.name ?? "");
  const initContainers = (pod.spec?.initContainers ?? []).map((c) => c.name ?? "");
  if (requested !== undefined && requested !== "") {
    if (containers.includes(requested) || initContainers.includes(requested)) return requested;
    throw badRequest(`container ${requested} is not valid for pod ${name}`);
  }
  if (containers.length === 1 && containers[0] !== undefined) return containers[0];
  let message = `a container name must be specified for pod ${name}, choose one of: [${containers.join(" ")}]`;
  if (initContainers.length > 0) message += ` or one of the init containers: [${initContainers.join(" ")}]`;
  throw badRequest(message);
}

/** Where the Node's kubelet listens: its InternalIP (else any address) and daemon endpoint port. */
export function kubeletAddress(node: Node): { host: string; port: number } {
  const addresses = node.status?.addresses ?? [];
  const internal = addresses.find((a) => a.type === "InternalIP") ?? addresses[0];
  if (!internal?.address) {
    throw badRequest(`node ${node.metadata?.name ?? ""} has no address to reach its kubelet at`);
  }
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? DEFAULT_KUBELET_PORT;
  return { host: internal.address, port };
}

function proxy(res: Response, target: { host: string; port: number; path: string }): Promise<void> {
  return new Promise((resolve) => {
    const upstream = httpRequest({ ...target, method: "GET" }, (answer: IncomingMessage) => {
      if (answer.statusCode === 200) {
        res.status(200).type("text/plain; charset=utf-8").set("cache-control", "no-cache");
        res.flushHeaders();
        answer.pipe(res);
        answer.once("end", () => resolve());
        answer.once("error", () => resolve());
        return;
      }
      relayFailure(res, answer).then(resolve, resolve);
    });
    res.once("close", () => upstream.destroy());
    upstream.once("error", (err) => {
      if (!res.headersSent) {
        const { status } = internalError(
          new Error(`error reaching the kubelet at ${target.host}:${target.port}: ${err.message}`),
        );
        sendStatus(res, status);
      } else {
        res.end();
      }
      resolve();
    });
    upstream.end();
  });
}

async function relayFailure(res: Response, answer: IncomingMessage): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of answer) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks).toString("utf8");
  let status;
  try {
    status = statusFromObject(JSON.parse(body));
  } catch {
    status = undefined;
  }
  sendStatus(res, status ?? internalError(new Error(body || `kubelet answered ${answer.statusCode}`)).status);
}
