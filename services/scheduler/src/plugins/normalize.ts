import { MAX_NODE_SCORE } from "../framework/interface.js";

/**
 * Kubernetes' helper.DefaultNormalizeScore: scales scores so the highest is
 * MAX_NODE_SCORE (integer division); `reverse` turns "more is worse" counts
 * into scores. All-zero scores become MAX_NODE_SCORE when reversed.
 */
export function defaultNormalizeScore(scores: Map<string, number>, reverse: boolean): void {
  let max = 0;
  for (const s of scores.values()) if (s > max) max = s;
  if (max === 0) {
    if (reverse) for (const name of scores.keys()) scores.set(name, MAX_NODE_SCORE);
    return;
  }
  for (const [name, s] of scores) {
    const scaled = Math.floor((MAX_NODE_SCORE * s) / max);
    scores.set(name, reverse ? MAX_NODE_SCORE - scaled : scaled);
  }
}
