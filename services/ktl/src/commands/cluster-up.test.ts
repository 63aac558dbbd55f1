import { describe, expect, it } from "vitest";
import { GLOBAL_FLAGS } from "../cli/context.js";
import { parseArgs } from "../cli/flags.js";
import { registry } from "./index.js";
import { clusterUpCommand, upOverrides } from "./cluster-up.js";

const parse = (argv: string[]) => parseArgs(argv, [...GLOBAL_FLAGS, ...(clusterUpCommand.flags ?? [])]);

describe("ktl cluster up flags", () => {
  it("passes on only the settings given", () => {
    expect(upOverrides(parse([]).flags)).toEqual({});
    expect(
      upOverrides(
        parse([
          "--nodes",
          "3",
          "--proxy-mode=userspace",
          "--cluster-cidr",
          "100.64.192.0/18",
          "--node-prefix",
          "e2e",
          "--port-offset",
          "20000",
        ]).flags,
      ),
    ).toEqual({
      nodes: 3,
      proxyMode: "userspace",
      clusterCidr: "100.64.192.0/18",
      nodePrefix: "e2e",
      portOffset: 20000,
    });
    expect(parse(["--timeout", "90s"]).flags.string("timeout")).toBe("90s");
    expect(parse([]).flags.string("timeout")).toBe("5m");
    expect(() => parse(["--nodes", "two"])).toThrow(/invalid argument "two" for "--nodes"/);
  });

  it("are found as `cluster VERB` and `image push`", () => {
    for (const verb of ["up", "down", "status", "logs"])
      expect(registry.find(["cluster", verb, "x"])?.path).toEqual(["cluster", verb]);
    expect(registry.find(["image", "push", "app.tar"])?.path).toEqual(["image", "push"]);
    expect(registry.isGroup("cluster")).toBe(true);
  });
});
