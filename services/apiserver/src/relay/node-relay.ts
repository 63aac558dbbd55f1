import {
  openRelay,
  RelayUnavailableError,
  type Bus,
  type OpenRelayOptions,
  type RelayStream,
} from "@ktl/nats";

/**
 * Opens a relay stream to a node's kubelet over NATS, or answers undefined
 * when that path is not there (no bus, NATS down, no kubelet serving the
 * subject), so the caller falls back to HTTP. Refusals (RelayRemoteError)
 * and silence (RelayTimeoutError) are thrown: the kubelet is there and answered.
 */
export async function openNodeRelay(
  bus: Bus | undefined,
  subject: string,
  body: unknown,
  options?: OpenRelayOptions,
): Promise<RelayStream | undefined> {
  if (!bus) return undefined;
  try {
    return await openRelay(bus, subject, body, options);
  } catch (err) {
    if (err instanceof RelayUnavailableError) return undefined;
    throw err;
  }
}
