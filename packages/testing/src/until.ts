/**
 * Polls `probe` until it gives something other than `undefined` or `false`,
 * and returns that. A probe that throws counts as "not yet" (it may read an
 * object that does not exist yet); the last error is named if time runs out.
 *
 * @example
 * const pod = await until("pod running", async () => {
 *   const p = await client.get<Pod>(PODS, "default", "web");
 *   return p.status?.phase === "Running" ? p : undefined;
 * });
 */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 30_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const cause =
        lastError instanceof Error
          ? `: ${lastError.message}`
          : lastError
            ? `: ${JSON.stringify(lastError)}`
            : "";
      throw new Error(`timed out waiting for ${what}${cause}`);
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
