/** `ktl cluster logs -f`: what is appended to a log file, as it is appended (tail -F). */
import { open, stat } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * Writes whatever is appended to `file` after byte `from`, polling every
 * `intervalMs`, until `signal` aborts. A file that shrinks (truncated or
 * replaced) is read again from its start.
 */
export async function followFile(
  file: string,
  from: number,
  write: (chunk: string) => void,
  signal: AbortSignal,
  intervalMs = 250,
): Promise<void> {
  let offset = from;
  // A multi-byte character may straddle two reads.
  const decoder = new TextDecoder("utf-8");
  while (!signal.aborted) {
    const size = await stat(file).then(
      (s) => s.size,
      () => 0,
    );
    if (size < offset) offset = 0;
    if (size > offset) {
      const handle = await open(file, "r");
      try {
        const buffer = Buffer.alloc(size - offset);
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
        offset += bytesRead;
        write(decoder.decode(buffer.subarray(0, bytesRead), { stream: true }));
      } finally {
        await handle.close();
      }
    }
    await sleep(intervalMs, undefined, { signal }).catch(() => undefined);
  }
}
