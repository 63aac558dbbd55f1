/** NodeName: a pod that names its node only fits that node. */
import type { Pod } from "@ktl/api";
import { SUCCESS, unresolvable } from "../../framework/interface.js";
import type { CycleState, FilterPlugin, NodeInfo } from "../../framework/interface.js";

export const NAME = "NodeName";
export const ERR_REASON = "node(s) didn't match the requested node name";

export function create() {
  return {
    name: NAME,
    sign: (pod: Pod) => pod.spec?.nodeName ?? "",
    filter(_state: CycleState, pod: Pod, node: NodeInfo) {
      const wanted = pod.spec?.nodeName;
      if (wanted === undefined || wanted === "" || wanted === node.name) return SUCCESS;
      return unresolvable(ERR_REASON);
    },
  } satisfies FilterPlugin;
}
