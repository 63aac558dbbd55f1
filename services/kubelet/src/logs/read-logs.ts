import { open, type FileHandle } from "node:fs/promises";
import { once } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import { LineAssembler, parseCriLogLine } from "./cri-log.js";

/** What `kubectl logs` can ask for (PodLogOptions less the container choice). */
export interface ReadLogsOptions {
  /** Only the last N lines. */
  readonly tailLines?: number;
  /** Only lines written at or after this time (ms since the epoch). */
  readonly sinceTime?: number;
  /** Prefix each line with its RFC 3339 timestamp. */
  readonly timestamps?: boolean;
  /** Stop after this many bytes of output. */
  readonly limitBytes?: number;
  /** Keep streaming new lines until the container stops or the signal aborts. */
  readonly follow?: boolean;
  /** Asked when following and the file has been quiet: false ends the stream. */
  readonly isRunning?: () => Promise<boolean>;
  readonly signal?: AbortSignal;
  /** Poll interval while following (ms). */
  readonly pollMs?: number;
}

interface Sink {
  write(chunk: string): boolean;
  once(event: "drain" | "close", listener: () => void): unknown;
}

const CHUNK = 64 * 1024;
/** While following, ask whether the container still runs after this much quiet. */
const QUIET_CHECK_MS = 1_000;

/**
 * Streams a CRI log file to `out` as `kubectl logs` prints it: partial records
 * joined, `tailLines`/`sinceTime`/`limitBytes` applied, optionally following.
 * Resolves when everything asked for was written; a closed sink or an aborted
 * signal ends it early without error.
 */
export async function readLogs(path: string, out: Sink, options: ReadLogsOptions = {}): Promise<void> {
  const file = await open(path, "r");
  try {
    const start = options.tailLines === undefined ? 0 : await tailOffset(file, options.tailLines);
    await new LogPump(file, out, options, start).run();
  } finally {
    await file.close();
  }
}

class LogPump {
  private readonly assembler = new LineAssembler();
  private carry = "";
  private written = 0;
  private done = false;

  constructor(
    private readonly file: FileHandle,
    private readonly out: Sink,
    private readonly options: ReadLogsOptions,
    private offset: number,
  ) {
    out.once("close", () => (this.done = true));
  }

  async run(): Promise<void> {
    await this.drainFile();
    if (!this.options.follow) return;
    let quietSince = Date.now();
    while (!this.done && this.options.signal?.aborted !== true) {
      await sleep(this.options.pollMs ?? 100, undefined, { signal: this.options.signal }).catch(
        () => undefined,
      );
      const before = this.offset;
      await this.drainFile();
      if (this.offset !== before) {
        quietSince = Date.now();
        continue;
      }
      if (Date.now() - quietSince >= QUIET_CHECK_MS && this.options.isRunning) {
        if (!(await this.options.isRunning())) {
          // The container stopped: read what it wrote last, then end.
          await this.drainFile();
          return;
        }
        quietSince = Date.now();
      }
    }
  }

  /** Reads from the current offset to the end of the file. */
  private async drainFile(): Promise<void> {
    const buffer = Buffer.alloc(CHUNK);
    while (!this.done) {
      const { bytesRead } = await this.file.read(buffer, 0, CHUNK, this.offset);
      if (bytesRead === 0) return;
      this.offset += bytesRead;
      const text = this.carry + buffer.toString("utf8", 0, bytesRead);
      const lines = text.split("\n");
      this.carry = lines.pop() ?? "";
      for (const line of lines) {
        await this.emit(line);
        if (this.done) return;
      }
    }
  }

  private async emit(raw: string): Promise<void> {
    const rec = parseCriLogLine(raw);
    if (!rec) return;
    const line = this.assembler.push(rec);
    if (!line) return;
    if (this.options.sinceTime !== undefined && line.time < this.options.sinceTime) return;
    let text = (this.options.timestamps === true ? `${line.timestamp} ` : "") + line.content + "\n";
    const limit = this.options.limitBytes;
    if (limit !== undefined) {
      const left = limit - this.written;
      if (Buffer.byteLength(text) >= left) {
        text = Buffer.from(text).subarray(0, left).toString("utf8");
        this.done = true;
      }
    }
    this.written += Buffer.byteLength(text);
    if (text.length > 0 && !this.out.write(text)) {
      await Promise.race([once(this.out as never, "drain"), once(this.out as never, "close")]);
    }
  }
}

/**
 * The byte offset where the last `lines` whole lines begin. Reads backwards in
 * chunks so a tail of a large file reads only its end.
 */
export async function tailOffset(file: FileHandle, lines: number): Promise<number> {
  const { size } = await file.stat();
  if (lines <= 0) return size;
  let pos = size;
  let tail = Buffer.alloc(0);
  for (;;) {
    const from = Math.max(0, pos - CHUNK);
    const chunk = Buffer.alloc(pos - from);
    await file.read(chunk, 0, chunk.length, from);
    tail = Buffer.concat([chunk, tail]);
    pos = from;
    const offset = offsetOfLastLines(tail, lines, pos === 0);
    if (offset !== undefined) return pos + offset;
    if (pos === 0) return 0;
  }
}

/**
 * Within `buf` (the file's end), the offset of the record that starts the last
 * `lines` full (F) lines, or undefined if `buf` does not reach back far enough.
 */
function offsetOfLastLines(buf: Buffer, lines: number, atFileStart: boolean): number | undefined {
  let end = buf.length;
  // A trailing record without newline is still being written: it is not a line yet.
  if (end > 0 && buf[end - 1] !== 0x0a) {
    const nl = buf.lastIndexOf(0x0a, end - 1);
    if (nl < 0) return atFileStart ? 0 : undefined;
    end = nl + 1;
  }
  let full = 0;
  let cursor = end - 1; // at the newline ending the current record
  while (cursor >= 0) {
    const prevNl = cursor > 0 ? buf.lastIndexOf(0x0a, cursor - 1) : -1;
    if (prevNl < 0 && !atFileStart) return undefined;
    const start = prevNl + 1;
    const rec = parseCriLogLine(buf.toString("utf8", start, cursor));
    if (rec && !rec.partial) {
      if (full === lines) return cursor + 1;
      full += 1;
    }
    if (prevNl < 0) return 0;
    cursor = prevNl;
  }
  return 0;
}
