import { StatusError, resourceExpired, serviceUnavailable } from "@ktl/apimachinery";

/**
 * Runs an etcd call and turns its failures into API errors: a compacted
 * revision is 410 Gone (clients relist), anything else from the client means
 * etcd cannot be reached and becomes 503, which is what callers may retry.
 */
export async function etcdCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw etcdError(what, err);
  }
}

export function etcdError(what: string, err: unknown): Error {
  if (err instanceof StatusError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (/compacted/i.test(message)) {
    return resourceExpired(`The resourceVersion for the provided ${what} is too old.`);
  }
  return serviceUnavailable(`etcd is unavailable (${what}): ${message}`);
}
