/**
 * The userspace proxy's sockets: one TCP server or UDP socket per
 * (protocol, address, port) the node serves, each pointing at a Service port.
 *
 * A listener that cannot bind yet waits and is retried on every
 * housekeeping tick (~250 ms): its ClusterIP may not be on `lo` yet, or
 * another node's proxy sharing this network namespace holds it (EADDRINUSE).
 * That proxy serves the same Services, so traffic flows either way, and when
 * it goes away this one takes over within a tick or two.
 */
import { createSocket, type RemoteInfo, type Socket as UdpSocket } from "node:dgram";
import { createServer, type Server, type Socket } from "node:net";
import type { Logger } from "@ktl/service";
import type { Protocol } from "../model.js";

export interface ListenerSpec {
  readonly protocol: Protocol;
  readonly ip: string;
  readonly port: number;
  /** The Service port key its traffic goes to. */
  readonly target: string;
}

export interface ListenerHandlers {
  tcp(socket: Socket, target: string): void;
  udp(listener: UdpSocket, listenerKey: string, target: string, msg: Buffer, from: RemoteInfo): void;
}

export const listenerKey = (s: { protocol: Protocol; ip: string; port: number }): string =>
  `${s.protocol.toLowerCase()}/${s.ip}:${s.port}`;

class Listener {
  target: string;
  private tcp: Server | undefined;
  private udp: UdpSocket | undefined;
  private closed = false;
  private binding = false;
  /** The last bind error code; undefined once bound. */
  lastError: string | undefined = "not tried";

  constructor(
    readonly spec: ListenerSpec,
    private readonly handlers: ListenerHandlers,
  ) {
    this.target = spec.target;
  }

  get bound(): boolean {
    return this.tcp !== undefined || this.udp !== undefined;
  }

  /** One bind attempt; resolves whether the listener is bound now. */
  async tryBind(): Promise<boolean> {
    if (this.bound || this.closed || this.binding) return this.bound;
    this.binding = true;
    try {
      if (this.spec.protocol === "TCP") await this.bindTcp();
      else await this.bindUdp();
      this.lastError = undefined;
    } catch (err) {
      this.lastError = (err as NodeJS.ErrnoException).code ?? String(err);
    } finally {
      this.binding = false;
    }
    if (this.closed) this.close();
    return this.bound;
  }

  private async bindTcp(): Promise<void> {
    // Paused until the upstream is connected, so no byte is read too early.
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true }, (socket) =>
      this.handlers.tcp(socket, this.target),
    );
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host: this.spec.ip, port: this.spec.port, exclusive: true }, () => {
        server.off("error", reject);
        resolve();
      });
    }).catch((err: unknown) => {
      server.close();
      throw err;
    });
    server.on("error", () => undefined);
    this.tcp = server;
  }

  private async bindUdp(): Promise<void> {
    const socket = createSocket({ type: "udp4", reuseAddr: false });
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind({ address: this.spec.ip, port: this.spec.port, exclusive: true }, () => {
        socket.off("error", reject);
        resolve();
      });
    }).catch((err: unknown) => {
      socket.close();
      throw err;
    });
    const key = listenerKey(this.spec);
    socket.on("error", () => undefined);
    socket.on("message", (msg, from) => this.handlers.udp(socket, key, this.target, msg, from));
    this.udp = socket;
  }

  /** Stops accepting; established TCP connections carry on until they end. */
  close(): void {
    this.closed = true;
    this.tcp?.close();
    this.tcp = undefined;
    try {
      this.udp?.close();
    } catch {
      // already closed
    }
    this.udp = undefined;
  }
}

export class ListenerSet {
  private readonly listeners = new Map<string, Listener>();

  constructor(
    private readonly handlers: ListenerHandlers,
    private readonly log: Logger,
  ) {}

  /** Makes the set exactly `specs` (retargeting kept listeners), then tries to bind the waiting ones. */
  async apply(specs: readonly ListenerSpec[]): Promise<void> {
    const wanted = new Map(specs.map((s) => [listenerKey(s), s]));
    for (const [key, listener] of this.listeners) {
      if (!wanted.has(key)) {
        listener.close();
        this.listeners.delete(key);
      }
    }
    for (const [key, spec] of wanted) {
      const listener = this.listeners.get(key);
      if (listener) listener.target = spec.target;
      else this.listeners.set(key, new Listener(spec, this.handlers));
    }
    await this.retry();
  }

  /** One bind attempt for every waiting listener. */
  async retry(): Promise<void> {
    const waiting = [...this.listeners.entries()].filter(([, l]) => !l.bound);
    await Promise.all(
      waiting.map(async ([key, listener]) => {
        const before = listener.lastError;
        if (await listener.tryBind()) {
          if (before !== "not tried") this.log.info("listener bound", { listener: key, after: before });
        } else if (listener.lastError !== before) {
          this.log.info("listener waiting", {
            listener: key,
            reason: listener.lastError === "EADDRINUSE" ? "held by another proxy" : listener.lastError,
          });
        }
      }),
    );
  }

  counts(): { bound: number; waiting: number } {
    let bound = 0;
    for (const l of this.listeners.values()) if (l.bound) bound++;
    return { bound, waiting: this.listeners.size - bound };
  }

  isBound(spec: { protocol: Protocol; ip: string; port: number }): boolean {
    return this.listeners.get(listenerKey(spec))?.bound ?? false;
  }

  closeAll(): void {
    for (const l of this.listeners.values()) l.close();
    this.listeners.clear();
  }
}
