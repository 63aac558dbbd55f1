import { mkdtemp, rm, writeFile, appendFile, truncate } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { followFile } from "./follow.js";
import { lastLines, tailLog } from "./lifecycle.js";
import { portInUse } from "./ports.js";
import { createServer } from "node:net";

let dir = "";
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "ktl-logs-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("log tails", () => {
  it("keeps the last n lines", () => {
    expect(lastLines("a\nb\nc\n", 2)).toBe("b\nc\n");
    expect(lastLines("a\nb\nc", 5)).toBe("a\nb\nc\n");
    expect(lastLines("a\nb\n", -1)).toBe("a\nb\n");
    expect(lastLines("a\nb\n", 0)).toBe("");
    expect(lastLines("", 3)).toBe("");
  });

  it("reads a big file backwards only as far as needed", async () => {
    const file = join(dir, "big.log");
    const lines = Array.from({ length: 20_000 }, (_, i) => `line ${i} ${"x".repeat(40)}`);
    await writeFile(file, lines.join("\n") + "\n");
    expect(await tailLog(file, 3)).toBe(lines.slice(-3).join("\n") + "\n");
    expect((await tailLog(file, 5000)).split("\n").length).toBe(5001);
    expect(await tailLog(file, -1)).toBe(lines.join("\n") + "\n");
    expect(await tailLog(join(dir, "none.log"), 3)).toMatch(/no log at/);
  });

  it("follows appends and starts over after truncation", async () => {
    const file = join(dir, "f.log");
    await writeFile(file, "old\n");
    const abort = new AbortController();
    let seen = "";
    const following = followFile(file, 4, (c) => (seen += c), abort.signal, 20);
    await appendFile(file, "one\n");
    await until(() => seen === "one\n");
    await truncate(file, 0);
    await sleep(60);
    await appendFile(file, "two\n");
    await until(() => seen === "one\ntwo\n");
    abort.abort();
    await following;
  });
});

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await sleep(10);
  expect(check()).toBe(true);
}

describe("ports", () => {
  it("tells a port in use from a free one", async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    expect(await portInUse("127.0.0.1", port)).toBe(true);
    await new Promise((r) => server.close(r));
    expect(await portInUse("127.0.0.1", port)).toBe(false);
  });
});
