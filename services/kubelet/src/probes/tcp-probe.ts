import { connect } from "node:net";
import type { ProbeOutcome } from "./outcome.js";

/** Kubernetes' TCP probe: success once a connection opens within the timeout; it is closed at once. */
export function tcpProbe(target: { host: string; port: number; timeoutMs: number }): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const address = target.host.includes(":")
      ? `[${target.host}]:${target.port}`
      : `${target.host}:${target.port}`;
    const socket = connect({ host: target.host, port: target.port });
    const done = (outcome: ProbeOutcome): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(
      () => done({ result: "failure", output: `dial tcp ${address}: i/o timeout` }),
      target.timeoutMs,
    );
    socket.once("connect", () => done({ result: "success", output: "" }));
    socket.once("error", (err) => done({ result: "failure", output: `dial tcp ${address}: ${err.message}` }));
  });
}
