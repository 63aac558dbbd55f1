/**
 * What opportunistic batching remembers between pods of one signature (see
 * scheduler.ts): the candidates of the last full cycle, the signing score
 * plugins' raw scores for them, and those plugins' weighted, normalised
 * contribution to each candidate's total. When candidates change (a pod was
 * assumed onto one, a binding was confirmed), only their entries are scored
 * again; a normalising plugin is normalised again only when one of its raw
 * scores moved, which is why a signing plugin's normalize may read nothing
 * but the scores.
 */
import type { Pod } from "@ktl/api";
import type { CycleState, NodeInfo, ScorePlugin } from "./framework/interface.js";

/** Per score plugin: raw scores (signing plugins), undefined (not signing: scored per pod), null (failed). */
export type RawScores = (Float64Array | undefined | null)[];

export type Warn = (plugin: string, err: unknown) => void;

/** Raw scores of the signing plugins over `nodes`. */
export function scoreSigned(
  plugins: readonly ScorePlugin[],
  state: CycleState,
  pod: Pod,
  nodes: readonly NodeInfo[],
  warn: Warn,
): RawScores {
  return plugins.map((plugin) => {
    if (!plugin.sign) return undefined;
    try {
      const scores = new Float64Array(nodes.length);
      plugin.preScore?.(state, pod, nodes);
      for (let i = 0; i < nodes.length; i++) scores[i] = plugin.score(state, pod, nodes[i] as NodeInfo);
      return scores;
    } catch (err) {
      warn(plugin.name, err);
      return null;
    }
  });
}

export class Batch {
  uses = 0;
  /** Per candidate, the sum of the signing plugins' contributions. */
  readonly signed: Float64Array;
  /** Per signing plugin, weight × normalised score per candidate. */
  private readonly contributions: (Float64Array | undefined)[];

  constructor(
    readonly signature: string,
    /** The snapshot list `positions` index into (replaced when nodes come or go). */
    readonly list: readonly NodeInfo[],
    /** The candidates, replaced in place by newer NodeInfos of the same nodes. */
    readonly nodes: NodeInfo[],
    readonly positions: readonly number[],
    private readonly plugins: readonly ScorePlugin[],
    private readonly raw: RawScores,
    state: CycleState,
    pod: Pod,
    warn: Warn,
  ) {
    this.contributions = plugins.map((plugin, k) => {
      const raw = this.raw[k];
      if (!raw) return undefined;
      try {
        return this.contribution(plugin, raw, state, pod);
      } catch (err) {
        // Left out, as pick leaves out a plugin that fails.
        warn(plugin.name, err);
        return undefined;
      }
    });
    this.signed = new Float64Array(nodes.length);
    for (const c of this.contributions) if (c) for (let i = 0; i < c.length; i++) this.signed[i]! += c[i]!; // eslint-disable-line @typescript-eslint/no-non-null-assertion
  }

  /**
   * Takes the snapshot's current NodeInfo of every candidate; false when one
   * that changed no longer `fits` (then a full cycle must choose). Changed
   * candidates are scored again by the signing plugins.
   */
  refresh(
    state: CycleState,
    pod: Pod,
    list: readonly NodeInfo[],
    fits: (node: NodeInfo) => boolean,
    warn: Warn,
  ): boolean {
    const changed: number[] = [];
    for (let i = 0; i < this.nodes.length; i++) {
      const current = list[this.positions[i] as number] as NodeInfo;
      if (current === this.nodes[i]) continue;
      if (!fits(current)) return false;
      this.nodes[i] = current;
      changed.push(i);
    }
    if (changed.length === 0) return true;
    let renormalized = false;
    for (const [k, plugin] of this.plugins.entries()) {
      const raw = this.raw[k];
      const contribution = this.contributions[k];
      if (!raw || !contribution) continue;
      try {
        let moved = false;
        plugin.preScore?.(state, pod, this.nodes);
        for (const i of changed) {
          const score = plugin.score(state, pod, this.nodes[i] as NodeInfo);
          if (score !== raw[i]) {
            raw[i] = score;
            moved = true;
          }
        }
        if (!moved) continue;
        if (plugin.normalize) {
          contribution.set(this.contribution(plugin, raw, state, pod));
          renormalized = true;
        } else for (const i of changed) contribution[i] = raw[i]! * plugin.weight; // eslint-disable-line @typescript-eslint/no-non-null-assertion
      } catch (err) {
        // A full cycle will score this pod, and leave the plugin out as it does.
        warn(plugin.name, err);
        return false;
      }
    }
    // Summed afresh (not adjusted by differences), so totals match a full cycle's exactly.
    if (renormalized) for (let i = 0; i < this.nodes.length; i++) this.sum(i);
    else for (const i of changed) this.sum(i);
    return true;
  }

  private sum(i: number): void {
    let total = 0;
    for (const c of this.contributions) if (c) total += c[i]!; // eslint-disable-line @typescript-eslint/no-non-null-assertion
    this.signed[i] = total;
  }

  private contribution(plugin: ScorePlugin, raw: Float64Array, state: CycleState, pod: Pod): Float64Array {
    const scores = Float64Array.from(raw);
    plugin.normalize?.(state, pod, this.nodes, scores);
    for (let i = 0; i < scores.length; i++) scores[i]! *= plugin.weight; // eslint-disable-line @typescript-eslint/no-non-null-assertion
    return scores;
  }
}
