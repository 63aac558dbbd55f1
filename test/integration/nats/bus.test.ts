// The bus against a real nats-server: messages flow, a dead server makes
// publish drop (never throw or block), and the bus reconnects and resumes
// its subscriptions by itself when the server is back.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Bus } from "@ktl/nats";
import { startNats, type NatsServer } from "@ktl/testing";

const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
let nats: NatsServer;
const buses: Bus[] = [];

beforeAll(async () => {
  nats = await startNats();
});
afterAll(async () => {
  await Promise.all(buses.map((b) => b.close()));
  await nats?.stop();
});

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

const bus = (name: string, servers = nats.url): Bus => {
  const b = Bus.connect({ servers, name, log, reconnectWaitMs: 100 });
  buses.push(b);
  return b;
};

describe("Bus", () => {
  it("delivers messages to subscribers made before and after connecting", async () => {
    const sub = bus("sub");
    const got: string[] = [];
    sub.subscribe("test.a.*", (data, subject) => got.push(`${subject}=${new TextDecoder().decode(data)}`));
    const pub = bus("pub");
    await until(() => sub.connected && pub.connected);
    await new Promise((r) => setTimeout(r, 50)); // the subscription reaches the server
    expect(pub.publish("test.a.1", "x")).toBe(true);
    await until(() => got.length === 1);
    expect(got).toEqual(["test.a.1=x"]);
  });

  it("drops while NATS is down, then reconnects and resumes subscriptions", async () => {
    const sub = bus("sub2");
    const got: string[] = [];
    sub.subscribe("test.b", (data) => got.push(new TextDecoder().decode(data)));
    const pub = bus("pub2");
    await until(() => sub.connected && pub.connected);
    await nats.pause();
    await until(() => !pub.connected);
    expect(pub.publish("test.b", "lost")).toBe(false);
    expect(pub.dropped).toBeGreaterThan(0);
    await nats.resume();
    await until(() => sub.connected && pub.connected, 15_000);
    await new Promise((r) => setTimeout(r, 100));
    expect(pub.publish("test.b", "after")).toBe(true);
    await until(() => got.includes("after"));
    expect(got).not.toContain("lost");
  });

  it("starts without a server and connects when one appears", async () => {
    const late = await startNats();
    const url = late.url;
    await late.pause();
    const b = bus("late", url);
    await new Promise((r) => setTimeout(r, 300));
    expect(b.connected).toBe(false);
    expect(b.publish("x", "y")).toBe(false);
    await late.resume();
    try {
      await until(() => b.connected, 15_000);
    } finally {
      await b.close();
      await late.stop();
    }
  });
});
