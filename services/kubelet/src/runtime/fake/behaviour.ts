/**
 * What a fake container does, chosen by its image name, so tests (and
 * hollow-node scenarios) can ask for crash loops without a real runtime.
 *
 * - `fake/exit:<code>` exits with <code> after the default run time;
 *   `fake/exit:<code>-<ms>` after <ms> milliseconds (e.g. `fake/exit:1-50`).
 * - `fake/oom` is OOM-killed (exit 137, reason OOMKilled) after the default run time.
 * - `fake/ignore-sigterm` (any tag) does not stop on StopContainer's SIGTERM:
 *   it is killed when the timeout runs out (exit 137).
 * - anything else runs until stopped; on SIGTERM it exits with 143.
 *
 * Registries are ignored: `127.0.0.1:5000/fake/exit:1` behaves like `fake/exit:1`.
 */
export interface FakeBehaviour {
  /** Exit on its own after this many milliseconds of running. */
  readonly exitAfterMs?: number;
  readonly exitCode?: number;
  /** The exit reason the runtime reports; default Completed for 0, Error otherwise. */
  readonly reason?: string;
  /** Ignores SIGTERM: StopContainer waits for its whole timeout, then kills. */
  readonly ignoreSigterm?: boolean;
}

const EXIT = /(?:^|\/)fake\/exit:(\d+)(?:-(\d+))?$/;
const OOM = /(?:^|\/)fake\/oom(?::[\w.-]+)?$/;
const IGNORE_TERM = /(?:^|\/)fake\/ignore-sigterm(?::[\w.-]+)?$/;

/** The behaviour encoded in `image`'s name; `defaultRunMs` is the run time when the name gives none. */
export function behaviourOf(image: string, defaultRunMs: number): FakeBehaviour {
  const exit = EXIT.exec(image);
  if (exit) {
    return { exitCode: Number(exit[1]), exitAfterMs: exit[2] === undefined ? defaultRunMs : Number(exit[2]) };
  }
  if (OOM.test(image)) return { exitCode: 137, reason: "OOMKilled", exitAfterMs: defaultRunMs };
  if (IGNORE_TERM.test(image)) return { ignoreSigterm: true };
  return {};
}
