import { MAX_NODE_SCORE } from "../framework/interface.js";

/**
 * Kubernetes' helper.DefaultNormalizeScore: scales scores so the highest is
 * MAX_NODE_SCORE (integer division); `reverse` turns "more is worse" counts
 * into scores. All-zero scores become MAX_NODE_SCORE when reversed.
 */
export function defaultNormalizeScore(scores: Float64Array, reverse: boolean): void {
  let max = 0;
  for (const s of scores) if (s > max) max = s;
  if (max === 0) {
    if (reverse) scores.fill(MAX_NODE_SCORE);
    return;
  }
  for (let i = 0; i < scores.length; i++) {
    const scaled = Math.floor((MAX_NODE_SCORE * (scores[i] ?? 0)) / max);
    scores[i] = reverse ? MAX_NODE_SCORE - scaled : scaled;
  }
}
