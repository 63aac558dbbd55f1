import { badRequest } from "@ktl/apimachinery";

/** A container addressed by the kubelet's HTTP paths: `{prefix}{namespace}/{pod}/{container}`. */
export interface ContainerPath {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
  /** The request's query (PodLogOptions, exec's command=…). */
  readonly query: URLSearchParams;
}

/** Parses `/containerLogs/ns/pod/c?…` or `/exec/ns/pod/c?…`; a malformed path is a 400 Status. */
export function parseContainerPath(requestUrl: string | undefined, prefix: string): ContainerPath {
  const url = new URL(requestUrl ?? "/", "http://kubelet");
  const parts = url.pathname.slice(prefix.length).split("/").map(decodeURIComponent);
  const [namespace, pod, container] = parts;
  if (!url.pathname.startsWith(prefix) || parts.length !== 3 || !namespace || !pod || !container) {
    throw badRequest(`expected ${prefix}{namespace}/{pod}/{container}, got ${url.pathname}`);
  }
  return { namespace, pod, container, query: url.searchParams };
}
