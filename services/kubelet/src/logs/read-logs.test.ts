import { appendFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { formatCriLogLine, parseCriLogLine } from "./cri-log.js";
import { readLogs } from "./read-logs.js";

let dir: string;
let path: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "ktl-logs-test-"));
  path = join(dir, "0.log");
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const at = (s: number): Date => new Date(Date.UTC(2026, 10, 24, 12, 0, s));
const line = (s: number, content: string, partial = false): string =>
  formatCriLogLine({ time: at(s), stream: "stdout", content, partial });

async function read(options: Parameters<typeof readLogs>[2] = {}): Promise<string> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on("data", (c: Buffer) => chunks.push(c));
  await readLogs(path, out, options);
  return Buffer.concat(chunks).toString("utf8");
}

describe("parseCriLogLine", () => {
  it("reads the four fields, keeping spaces in the content", () => {
    expect(parseCriLogLine("2026-11-24T12:00:00.123456789Z stderr F a  b ")).toMatchObject({
      timestamp: "2026-11-24T12:00:00.123456789Z",
      stream: "stderr",
      partial: false,
      content: "a  b ",
    });
  });
  it("accepts an empty line and rejects garbage", () => {
    expect(parseCriLogLine("2026-11-24T12:00:00Z stdout F")?.content).toBe("");
    expect(parseCriLogLine("not a log line")).toBeUndefined();
    expect(parseCriLogLine("2026-11-24T12:00:00Z stdin F x")).toBeUndefined();
  });
});

describe("readLogs", () => {
  it("prints the content of every line, joining partial records", async () => {
    await writeFile(path, line(1, "one") + line(2, "tw", true) + line(2, "o") + line(3, "three"));
    expect(await read()).toBe("one\ntwo\nthree\n");
  });

  it("keeps only the last N lines, counting a split line once", async () => {
    await writeFile(path, line(1, "one") + line(2, "tw", true) + line(2, "o") + line(3, "three"));
    expect(await read({ tailLines: 2 })).toBe("two\nthree\n");
    expect(await read({ tailLines: 0 })).toBe("");
    expect(await read({ tailLines: 10 })).toBe("one\ntwo\nthree\n");
  });

  it("finds the tail of a file larger than one read chunk", async () => {
    const lines = Array.from({ length: 5000 }, (_, i) => line(i % 60, `line ${i} ${"x".repeat(40)}`));
    await writeFile(path, lines.join(""));
    const out = await read({ tailLines: 3 });
    expect(
      out
        .split("\n")
        .filter(Boolean)
        .map((l) => l.split(" ")[1]),
    ).toEqual(["4997", "4998", "4999"]);
  });

  it("applies since, timestamps and limitBytes", async () => {
    await writeFile(path, line(1, "one") + line(2, "two") + line(3, "three"));
    expect(await read({ sinceTime: at(2).getTime() })).toBe("two\nthree\n");
    expect(await read({ timestamps: true, tailLines: 1 })).toBe(`${at(3).toISOString()} three\n`);
    expect(await read({ limitBytes: 6 })).toBe("one\ntw");
  });

  it("ignores a last record that is still being written", async () => {
    await writeFile(path, line(1, "one") + "2026-11-24T12:00:02Z stdout F tw");
    expect(await read()).toBe("one\n");
    expect(await read({ tailLines: 1 })).toBe("one\n");
  });

  it("follows new lines until the container stops", async () => {
    await writeFile(path, line(1, "one"));
    let running = true;
    const out = new PassThrough();
    let text = "";
    out.on("data", (c: Buffer) => (text += c.toString()));
    const done = readLogs(path, out, { follow: true, pollMs: 20, isRunning: () => Promise.resolve(running) });
    await new Promise((r) => setTimeout(r, 100));
    await appendFile(path, line(2, "two"));
    await new Promise((r) => setTimeout(r, 100));
    expect(text).toBe("one\ntwo\n");
    await appendFile(path, line(3, "last words"));
    running = false;
    await done;
    expect(text).toBe("one\ntwo\nlast words\n");
  });

  it("stops following when the signal aborts", async () => {
    await writeFile(path, line(1, "one"));
    const controller = new AbortController();
    const out = new PassThrough();
    out.resume();
    const done = readLogs(path, out, {
      follow: true,
      pollMs: 20,
      isRunning: () => Promise.resolve(true),
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 50);
    await expect(done).resolves.toBeUndefined();
  });
});
