import { describe, expect, it } from "vitest";
import { LoopbackAddresses, addressLabel } from "./addresses.js";
import type { RunResult } from "./exec.js";

/** A fake `ip` over an in-memory lo: address → label. */
function fakeIp(lo: Map<string, string>) {
  const calls: string[] = [];
  const runner = (command: string, args: readonly string[], input?: string): Promise<RunResult> => {
    calls.push([command, ...args].join(" "));
    if (args[0] === "-j") {
      const addrInfo = [{ family: "inet", local: "127.0.0.1", prefixlen: 8, label: "lo" }].concat(
        [...lo].map(([ip, label]) => ({ family: "inet", local: ip, prefixlen: 32, label })),
      );
      return Promise.resolve({ code: 0, stdout: JSON.stringify([{ addr_info: addrInfo }]), stderr: "" });
    }
    let stderr = "";
    (input ?? "")
      .trim()
      .split("\n")
      .forEach((line, i) => {
        const m = /^address (add|del) ([\d.]+)\/32 dev lo (?:scope host )?label (\S+)$/.exec(line);
        if (!m) throw new Error(`unexpected: ${line}`);
        const [, op, ip = "", label = ""] = m;
        if (op === "add" && lo.has(ip))
          stderr += `Error: ipv4: Address already assigned.\nCommand failed -:${i + 1}\n`;
        else if (op === "add") lo.set(ip, label);
        else lo.delete(ip);
      });
    return Promise.resolve({ code: stderr ? 1 : 0, stdout: "", stderr });
  };
  return { runner, calls };
}

describe("LoopbackAddresses", () => {
  it("labels addresses with a short per-node label", () => {
    expect(addressLabel("node-1")).toMatch(/^lo:kp[0-9a-f]{8}$/);
    expect(addressLabel("node-1")).not.toBe(addressLabel("node-2"));
  });

  it("adds missing addresses as its own, leaves others' alone, removes only its own", async () => {
    const lo = new Map([["100.96.0.2", "lo:someoneelse"]]);
    const { runner } = fakeIp(lo);
    const a = new LoopbackAddresses("node-1", runner);
    a.setDesired(["100.96.0.1", "100.96.0.2"]);
    expect(await a.reconcile()).toEqual({ added: ["100.96.0.1"], removed: [] });
    expect(a.owned).toBe(1);
    expect(lo.get("100.96.0.1")).toBe(a.label);

    a.setDesired(["100.96.0.2"]);
    expect(await a.reconcile()).toEqual({ added: [], removed: ["100.96.0.1"] });
    expect([...lo.keys()]).toEqual(["100.96.0.2"]);

    // The other owner leaves: this one takes the address over.
    lo.delete("100.96.0.2");
    expect(await a.reconcile()).toEqual({ added: ["100.96.0.2"], removed: [] });
    await a.removeAll();
    expect(lo.size).toBe(0);
    expect(a.owned).toBe(0);
  });

  it("counts an address another proxy added first (EEXIST) as not its own", async () => {
    const lo = new Map<string, string>();
    const { runner } = fakeIp(lo);
    const racing = (command: string, args: readonly string[], input?: string) => {
      // Between the listing and the add, another proxy adds 100.96.0.1.
      if (args[0] === "-force") lo.set("100.96.0.1", "lo:other");
      return runner(command, args, input);
    };
    const a = new LoopbackAddresses("node-1", racing);
    a.setDesired(["100.96.0.1", "100.96.0.3"]);
    expect(await a.reconcile()).toEqual({ added: ["100.96.0.3"], removed: [] });
    expect(a.owned).toBe(1);
    expect(lo.get("100.96.0.1")).toBe("lo:other");
  });

  it("adopts its own addresses left by an earlier run, dropping the unwanted ones", async () => {
    const label = addressLabel("node-1");
    const lo = new Map([
      ["100.96.0.1", label],
      ["100.96.0.9", label],
    ]);
    const a = new LoopbackAddresses("node-1", fakeIp(lo).runner);
    a.setDesired(["100.96.0.1"]);
    expect(await a.reconcile()).toEqual({ added: [], removed: ["100.96.0.9"] });
    expect(a.owned).toBe(1);
  });
});
