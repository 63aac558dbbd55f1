import { describe, expect, it } from "vitest";
import { DESCRIBE, GET_TABLE, Tabwriter, tabulate } from "./tabwriter.js";

describe("tabwriter", () => {
  it("pads get columns to the widest cell plus 3, at least 6 wide", () => {
    const out = tabulate("NAME\tREADY\tAGE\nweb-788d6654d8-87bhx\t1/1\t3s\n", GET_TABLE);
    expect(out).toBe("NAME                   READY   AGE\nweb-788d6654d8-87bhx   1/1     3s\n");
  });

  it("aligns describe blocks separately where a line has no tab", () => {
    const out = tabulate("Name:\tweb\nNamespace:\tdemo\nPod Template:\n  Labels:\tapp=web\n", DESCRIBE);
    expect(out).toBe("Name:       web\nNamespace:  demo\nPod Template:\n  Labels:  app=web\n");
  });

  it("pads empty trailing cells (kubectl's `Container ID:  `)", () => {
    expect(tabulate("    Container ID:\t\n    Image:\tbusybox\n", DESCRIBE)).toBe(
      "    Container ID:  \n    Image:         busybox\n",
    );
  });

  it("remembers widths across flushes for watch output", () => {
    const tw = new Tabwriter({ ...GET_TABLE, rememberWidths: true });
    tw.write("NAME\tREADY\nweb-1\t1/1\n");
    expect(tw.flush()).toBe("NAME    READY\nweb-1   1/1\n");
    tw.write("a\t0/1\n");
    expect(tw.flush()).toBe("a       0/1\n");
  });
});
