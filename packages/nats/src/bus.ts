import { connect, Events, type NatsConnection, type Subscription } from "nats";
import type { Logger } from "@ktl/service";

export interface BusOptions {
  /** e.g. "nats://127.0.0.1:4222" or several, comma-separated or as a list. */
  readonly servers: string | readonly string[];
  /** The connection's name, as NATS monitoring shows it (e.g. "kubelet node-1"). */
  readonly name: string;
  readonly log: Logger;
  /** Pause between reconnect attempts (ms). */
  readonly reconnectWaitMs?: number;
}

export type MessageHandler = (data: Uint8Array, subject: string, reply: string | undefined) => void;

/**
 * The cluster's connection to NATS. Signals on the bus are best effort by
 * design (desired and observed state live in etcd), so the bus never blocks
 * or fails its caller: `connect` returns at once and keeps trying forever in
 * the background (also when NATS is down at start), `publish` drops the
 * message (and counts it) while disconnected, and subscriptions made before
 * the first connection start when it comes; nats.js re-subscribes after
 * reconnects by itself.
 */
export class Bus {
  private nc: NatsConnection | undefined;
  private closed = false;
  private readonly pending: { subject: string; handler: MessageHandler; subs: Subscription[] }[] = [];
  private readonly connectedListeners: (() => void)[] = [];
  /** Messages published while disconnected, dropped. */
  dropped = 0;
  published = 0;

  private constructor(private readonly options: BusOptions) {}

  static connect(options: BusOptions): Bus {
    const bus = new Bus(options);
    void bus.run();
    return bus;
  }

  get connected(): boolean {
    return this.nc !== undefined && !this.nc.isClosed() && this.nc.info !== undefined && !this.reconnecting;
  }

  private reconnecting = false;

  /** The live connection, for JetStream and request/reply; undefined until connected. */
  connection(): NatsConnection | undefined {
    return this.nc;
  }

  /** Best effort: false when the message was dropped because the bus is down. */
  publish(subject: string, data: Uint8Array | string): boolean {
    if (!this.nc || !this.connected) {
      this.dropped++;
      return false;
    }
    try {
      this.nc.publish(subject, typeof data === "string" ? new TextEncoder().encode(data) : data);
      this.published++;
      return true;
    } catch {
      this.dropped++;
      return false;
    }
  }

  /** Subscribes now, or as soon as the first connection is up. Returns an unsubscribe function. */
  subscribe(subject: string, handler: MessageHandler): () => void {
    const entry = { subject, handler, subs: [] as Subscription[] };
    this.pending.push(entry);
    if (this.nc) entry.subs.push(this.attach(this.nc, subject, handler));
    return () => {
      for (const sub of entry.subs) sub.unsubscribe();
      const i = this.pending.indexOf(entry);
      if (i >= 0) this.pending.splice(i, 1);
    };
  }

  /** Runs `listener` on every (re)connection, e.g. to set up JetStream streams. */
  onConnected(listener: () => void): void {
    this.connectedListeners.push(listener);
    if (this.connected) listener();
  }

  /** Drains and closes; no reconnects afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    const nc = this.nc;
    this.nc = undefined;
    if (nc && !nc.isClosed()) await nc.drain().catch(() => nc.close());
  }

  private async run(): Promise<void> {
    const { log } = this.options;
    const servers =
      typeof this.options.servers === "string" ? this.options.servers.split(",") : [...this.options.servers];
    try {
      const nc = await connect({
        servers,
        name: this.options.name,
        reconnect: true,
        maxReconnectAttempts: -1,
        waitOnFirstConnect: true,
        reconnectTimeWait: this.options.reconnectWaitMs ?? 1000,
        pingInterval: 10_000,
      });
      if (this.closed) {
        await nc.close();
        return;
      }
      this.nc = nc;
      log.info("connected to NATS", { server: nc.getServer() });
      for (const entry of this.pending) entry.subs.push(this.attach(nc, entry.subject, entry.handler));
      this.notifyConnected();
      for await (const status of nc.status()) {
        if (status.type === Events.Disconnect) {
          this.reconnecting = true;
          log.warn("lost NATS; reconnecting", { server: nc.getServer() });
        } else if (status.type === Events.Reconnect) {
          this.reconnecting = false;
          log.info("reconnected to NATS", { server: nc.getServer() });
          this.notifyConnected();
        }
      }
    } catch (err) {
      if (!this.closed)
        log.error("NATS connection ended", { error: err instanceof Error ? err.message : String(err) });
    }
  }

  private notifyConnected(): void {
    for (const listener of this.connectedListeners) {
      try {
        listener();
      } catch (err) {
        this.options.log.warn("NATS connected listener failed", { error: String(err) });
      }
    }
  }

  private attach(nc: NatsConnection, subject: string, handler: MessageHandler): Subscription {
    return nc.subscribe(subject, {
      callback: (err, msg) => {
        if (err) return;
        try {
          handler(msg.data, msg.subject, msg.reply);
        } catch (e) {
          this.options.log.warn("NATS message handler failed", { subject: msg.subject, error: String(e) });
        }
      },
    });
  }
}
