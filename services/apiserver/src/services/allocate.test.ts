import { describe, expect, it } from "vitest";
import { applyDefaults, type Service, type ServiceSpec } from "@ktl/api";
import { StatusError } from "@ktl/apimachinery";
import { allocateService, releaseService, type Bitmaps } from "./allocate.js";
import { PortRange, ServiceIPRange } from "./ranges.js";

const ranges = { ips: new ServiceIPRange("100.96.0.0/16"), ports: new PortRange("30000-32767") };

function service(spec: Partial<ServiceSpec> = {}, name = "web"): Service {
  const svc: Service = {
    metadata: { name, namespace: "default" },
    spec: { selector: { app: name }, ports: [{ port: 80 }], ...spec },
  };
  applyDefaults("Service", svc);
  return svc;
}

const bitmaps = (): Bitmaps => ({ ips: ranges.ips.newBitmap(), ports: ranges.ports.newBitmap() });

/** The thrown Status error's code and message. */
function failure(fn: () => unknown): { code: number; message: string } {
  try {
    fn();
  } catch (err) {
    if (err instanceof StatusError) return { code: err.status.code ?? 0, message: err.status.message ?? "" };
    throw err;
  }
  throw new Error("did not throw");
}

describe("allocateService: cluster IPs", () => {
  it("hands out distinct addresses from the range, never the first one", () => {
    const b = bitmaps();
    const ips = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const svc = service({}, `s${i}`);
      expect(allocateService(svc, undefined, ranges, b)).toEqual({ ips: true, ports: false });
      expect(svc.spec?.clusterIPs).toEqual([svc.spec?.clusterIP]);
      ips.add(svc.spec?.clusterIP ?? "");
    }
    expect(ips.size).toBe(1000);
    expect(ips.has("100.96.0.1")).toBe(false);
    for (const ip of ips) expect(ranges.ips.offsetOf(ip)).toBeGreaterThanOrEqual(256); // the upper band first
  });

  it("honours a requested address, and refuses a taken or foreign one with Kubernetes' messages", () => {
    const b = bitmaps();
    const first = service({ clusterIP: "100.96.0.10" });
    allocateService(first, undefined, ranges, b);
    expect(first.spec?.clusterIPs).toEqual(["100.96.0.10"]);
    expect(
      failure(() => allocateService(service({ clusterIP: "100.96.0.10" }, "b"), undefined, ranges, b)),
    ).toEqual({
      code: 422,
      message:
        'Service "b" is invalid: spec.clusterIPs: Invalid value: ["100.96.0.10"]: failed to allocate IP 100.96.0.10: provided IP is already allocated',
    });
    expect(
      failure(() => allocateService(service({ clusterIP: "10.0.0.5" }, "c"), undefined, ranges, b)),
    ).toEqual({
      code: 422,
      message:
        'Service "c" is invalid: spec.clusterIPs: Invalid value: ["10.0.0.5"]: failed to allocate IP 10.0.0.5: provided IP is not in the valid range. The range of valid IPs is 100.96.0.0/16',
    });
    // Only clusterIPs given: clusterIP follows it.
    const plural = service({ clusterIPs: ["100.96.0.11"] }, "d");
    allocateService(plural, undefined, ranges, b);
    expect(plural.spec?.clusterIP).toBe("100.96.0.11");
  });

  it("allocates nothing for headless and ExternalName services", () => {
    const b = bitmaps();
    const headless = service({ clusterIP: "None" });
    expect(allocateService(headless, undefined, ranges, b)).toEqual({ ips: false, ports: false });
    expect(headless.spec?.clusterIPs).toEqual(["None"]);
    const external = service({ type: "ExternalName", externalName: "db.example.com", ports: [] });
    expect(allocateService(external, undefined, ranges, b)).toEqual({ ips: false, ports: false });
    expect(external.spec?.clusterIP).toBeUndefined();
    expect(b.ips.count).toBe(0);
  });

  it("refuses IPv6 and dual-stack: this cluster is single-stack IPv4", () => {
    const b = bitmaps();
    expect(
      failure(() => allocateService(service({ ipFamilyPolicy: "RequireDualStack" }), undefined, ranges, b))
        .message,
    ).toBe(
      'Service "web" is invalid: spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services',
    );
    expect(
      failure(() => allocateService(service({ ipFamilies: ["IPv6"] }), undefined, ranges, b)).message,
    ).toBe(
      'Service "web" is invalid: spec.ipFamilies[0]: Invalid value: "IPv6": not configured on this cluster',
    );
  });

  it("answers 500 'range is full' when no address is left", () => {
    const small = { ...ranges, ips: new ServiceIPRange("10.0.0.0/29") };
    const b = { ips: small.ips.newBitmap(), ports: small.ports.newBitmap() };
    // Six addresses, the first reserved: five dynamic allocations fit.
    for (let i = 0; i < 5; i++) allocateService(service({}, `s${i}`), undefined, small, b);
    expect(failure(() => allocateService(service({}, "s5"), undefined, small, b))).toEqual({
      code: 500,
      message: "Internal error occurred: failed to allocate a serviceIP: range is full",
    });
  });

  it("keeps the address across updates and releases it when the type becomes ExternalName", () => {
    const b = bitmaps();
    const old = service();
    allocateService(old, undefined, ranges, b);
    const same = structuredClone(old);
    same.spec = { ...same.spec, selector: { app: "other" } };
    expect(allocateService(same, old, ranges, b)).toEqual({ ips: false, ports: false });
    const external: Service = { ...old, spec: { type: "ExternalName", externalName: "db.example.com" } };
    expect(allocateService(external, old, ranges, b)).toEqual({ ips: true, ports: false });
    expect(b.ips.count).toBe(0);
  });
});

describe("allocateService: node ports", () => {
  it("allocates one per port unless given, and refuses taken or foreign ones", () => {
    const b = bitmaps();
    const svc = service({
      type: "NodePort",
      ports: [
        { name: "http", port: 80 },
        { name: "https", port: 443, nodePort: 30443 },
      ],
    });
    expect(allocateService(svc, undefined, ranges, b)).toEqual({ ips: true, ports: true });
    const [http, https] = svc.spec?.ports ?? [];
    expect(https?.nodePort).toBe(30443);
    expect(http?.nodePort).toBeGreaterThanOrEqual(30000 + 86); // the upper band first
    expect(http?.nodePort).toBeLessThanOrEqual(32767);

    const taken = service({ type: "NodePort", ports: [{ port: 80, nodePort: 30443 }] }, "b");
    expect(failure(() => allocateService(taken, undefined, ranges, b))).toEqual({
      code: 422,
      message:
        'Service "b" is invalid: spec.ports[0].nodePort: Invalid value: 30443: provided port is already allocated',
    });
    const foreign = service({ type: "NodePort", ports: [{ port: 80, nodePort: 8080 }] }, "c");
    expect(failure(() => allocateService(foreign, undefined, ranges, b)).message).toBe(
      'Service "c" is invalid: spec.ports[0].nodePort: Invalid value: 8080: provided port is not in the valid range. The range of valid ports is 30000-32767',
    );
    // The refused ports were not taken (the allocator discards the copies a failed write used).
    expect(b.ports.count).toBe(2);
  });

  it("shares one node port between ports with the same number (TCP and UDP 53)", () => {
    const b = bitmaps();
    const dns = service({
      type: "NodePort",
      ports: [
        { name: "dns", port: 53, protocol: "UDP" },
        { name: "dns-tcp", port: 53, protocol: "TCP" },
      ],
    });
    allocateService(dns, undefined, ranges, b);
    const [udp, tcp] = dns.spec?.ports ?? [];
    expect(udp?.nodePort).toBe(tcp?.nodePort);
    expect(b.ports.count).toBe(1);
  });

  it("allocates a health-check port for LoadBalancer with externalTrafficPolicy Local", () => {
    const b = bitmaps();
    const lb = service({ type: "LoadBalancer", externalTrafficPolicy: "Local" });
    allocateService(lb, undefined, ranges, b);
    expect(lb.spec?.healthCheckNodePort).toBeGreaterThanOrEqual(30000);
    expect(b.ports.count).toBe(2);
  });

  it("releases node ports on a switch to ClusterIP, on a removed port and on delete", () => {
    const b = bitmaps();
    const np = service({
      type: "NodePort",
      ports: [
        { name: "a", port: 80 },
        { name: "b", port: 81 },
      ],
    });
    allocateService(np, undefined, ranges, b);
    expect(b.ports.count).toBe(2);

    const onePort = structuredClone(np);
    onePort.spec?.ports?.pop();
    expect(allocateService(onePort, np, ranges, b)).toEqual({ ips: false, ports: true });
    expect(b.ports.count).toBe(1);

    const clusterIP = structuredClone(onePort);
    clusterIP.spec = { ...clusterIP.spec, type: "ClusterIP", ports: [{ name: "a", port: 80 }] };
    expect(allocateService(clusterIP, onePort, ranges, b)).toEqual({ ips: false, ports: true });
    expect(b.ports.count).toBe(0);

    const back = structuredClone(clusterIP);
    back.spec = { ...back.spec, type: "NodePort" };
    allocateService(back, clusterIP, ranges, b);
    expect(b.ports.count).toBe(1);
    expect(releaseService(back, ranges, b)).toEqual({ ips: true, ports: true });
    expect([b.ips.count, b.ports.count]).toEqual([0, 0]);
  });

  it("answers 500 'range is full' when no port is left", () => {
    const small = { ...ranges, ports: new PortRange("30000-30001") };
    const b = { ips: small.ips.newBitmap(), ports: small.ports.newBitmap() };
    const svc = (name: string): Service => service({ type: "NodePort" }, name);
    allocateService(svc("a"), undefined, small, b);
    allocateService(svc("b"), undefined, small, b);
    expect(failure(() => allocateService(svc("c"), undefined, small, b))).toEqual({
      code: 500,
      message: "Internal error occurred: failed to allocate a nodePort: range is full",
    });
  });
});
