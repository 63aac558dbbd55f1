/**
 * Service cluster IP and node port allocation against a real etcd and real
 * apiservers: concurrency (one apiserver and two on one etcd), requested
 * values, type changes, release, and the repair loop (run every second
 * here; Kubernetes' default is three minutes).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Etcd3 } from "etcd3";
import { codecFor, findResource, objectCodec, type RangeAllocation, type Service } from "@ktl/api";
import { startApiserver, type ApiserverProcess } from "@ktl/testing";
import { useApiserver } from "../cluster.js";
import { RestClient } from "../apiserver/client.js";

const cluster = useApiserver({ args: ["--service-repair-interval-seconds", "1"] });
let etcd: Etcd3;
const NS = "alloc";

beforeAll(async () => {
  etcd = new Etcd3({ hosts: cluster.etcd.endpoint });
  const res = await cluster.api.post("/api/v1/namespaces", { metadata: { name: NS } });
  expect(res.status).toBe(201);
});
afterAll(() => etcd?.close());

const path = (name = ""): string => `/api/v1/namespaces/${NS}/services${name ? `/${name}` : ""}`;

function service(name: string, spec: Record<string, unknown> = {}): Record<string, unknown> {
  return { metadata: { name }, spec: { selector: { app: name }, ports: [{ port: 80 }], ...spec } };
}

async function create(name: string, spec: Record<string, unknown> = {}, api = cluster.api) {
  return api.post(path(), service(name, spec));
}

async function createOk(
  name: string,
  spec: Record<string, unknown> = {},
  api = cluster.api,
): Promise<Service> {
  const res = await create(name, spec, api);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as Service;
}

/** The stored allocation map of a range, as the set of taken values' offsets. */
async function rangeBits(name: "serviceips" | "servicenodeports"): Promise<number | undefined> {
  const raw = await etcd.get(`/registry/ranges/${name}`).buffer();
  if (!raw) return undefined;
  const stored = codecFor<RangeAllocation>("ktl.core.v1.RangeAllocation").decode(raw);
  let bits = 0;
  for (const byte of Buffer.from(stored.data ?? "", "base64")) for (let b = byte; b; b &= b - 1) bits++;
  return bits;
}

async function eventually(check: () => Promise<void>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describe("cluster IPs", () => {
  it("gives the default/kubernetes Service the range's first address, port 443", async () => {
    await eventually(async () => {
      const res = await cluster.api.get("/api/v1/namespaces/default/services/kubernetes");
      expect(res.status).toBe(200);
      expect(res.body.spec).toMatchObject({
        type: "ClusterIP",
        clusterIP: "100.96.0.1",
        clusterIPs: ["100.96.0.1"],
        ports: [{ name: "https", port: 443, protocol: "TCP" }],
      });
    });
  });

  it("gives 50 concurrent creates 50 distinct addresses in the range", async () => {
    const created = await Promise.all(Array.from({ length: 50 }, (_, i) => createOk(`many-${i}`)));
    const ips = created.map((s) => s.spec?.clusterIP ?? "");
    expect(new Set(ips).size).toBe(50);
    for (const s of created) {
      expect(s.spec?.clusterIP).toMatch(/^100\.96\.\d+\.\d+$/);
      expect(s.spec?.clusterIP).not.toBe("100.96.0.1");
      expect(s.spec?.clusterIPs).toEqual([s.spec?.clusterIP]);
      expect(s.spec?.ipFamilies).toEqual(["IPv4"]);
      expect(s.spec?.ipFamilyPolicy).toBe("SingleStack");
    }
  });

  it("honours a requested address and refuses a taken or foreign one with 422", async () => {
    const svc = await createOk("fixed", { clusterIP: "100.96.0.10" });
    expect(svc.spec?.clusterIPs).toEqual(["100.96.0.10"]);

    const taken = await create("fixed-again", { clusterIP: "100.96.0.10" });
    expect(taken.status).toBe(422);
    expect(taken.body.message).toBe(
      'Service "fixed-again" is invalid: spec.clusterIPs: Invalid value: ["100.96.0.10"]: failed to allocate IP 100.96.0.10: provided IP is already allocated',
    );
    expect(taken.body.details.causes).toEqual([
      {
        reason: "FieldValueInvalid",
        field: "spec.clusterIPs",
        message:
          'Invalid value: ["100.96.0.10"]: failed to allocate IP 100.96.0.10: provided IP is already allocated',
      },
    ]);

    const foreign = await create("foreign", { clusterIP: "10.0.0.5" });
    expect(foreign.status).toBe(422);
    expect(foreign.body.message).toBe(
      'Service "foreign" is invalid: spec.clusterIPs: Invalid value: ["10.0.0.5"]: failed to allocate IP 10.0.0.5: provided IP is not in the valid range. The range of valid IPs is 100.96.0.0/16',
    );
    // The refused creates took nothing: the address is free again once its owner goes.
    expect((await cluster.api.delete(path("fixed"))).status).toBe(200);
    await createOk("fixed-again", { clusterIP: "100.96.0.10" });
  });

  it("allocates nothing for a headless Service, and keeps the address immutable", async () => {
    const headless = await createOk("headless", { clusterIP: "None" });
    expect(headless.spec?.clusterIPs).toEqual(["None"]);

    const svc = await createOk("immutable");
    const ip = svc.spec?.clusterIP ?? "";
    const changed = await cluster.api.put(path("immutable"), {
      ...svc,
      spec: { ...svc.spec, clusterIP: "100.96.9.9", clusterIPs: ["100.96.9.9"] },
    });
    expect(changed.status).toBe(422);
    expect(changed.body.message).toBe(
      'Service "immutable" is invalid: spec.clusterIPs[0]: Invalid value: ["100.96.9.9"]: may not change once set',
    );
    // A client that leaves the fields out keeps them (kubectl apply of a manifest without them).
    const omitted = await cluster.api.put(path("immutable"), {
      metadata: { name: "immutable", resourceVersion: svc.metadata?.resourceVersion },
      spec: { selector: { app: "other" }, ports: [{ port: 80 }] },
    });
    expect(omitted.status, JSON.stringify(omitted.body)).toBe(200);
    expect(omitted.body.spec.clusterIP).toBe(ip);
  });

  it("shows the address a dry-run create would get without taking it", async () => {
    const dry = await cluster.api.post(`${path()}?dryRun=All`, service("dry", { clusterIP: "100.96.0.20" }));
    expect(dry.status).toBe(201);
    expect(dry.body.spec.clusterIP).toBe("100.96.0.20");
    expect((await cluster.api.get(path("dry"))).status).toBe(404);
    await createOk("not-dry", { clusterIP: "100.96.0.20" });
  });
});

describe("node ports", () => {
  it("allocates one per port unless given, and refuses a taken one with 422", async () => {
    const svc = await createOk("np", {
      type: "NodePort",
      ports: [
        { name: "http", port: 80 },
        { name: "https", port: 443, nodePort: 30080 },
      ],
    });
    const [http, https] = svc.spec?.ports ?? [];
    expect(https?.nodePort).toBe(30080);
    expect(http?.nodePort).toBeGreaterThanOrEqual(30000);
    expect(http?.nodePort).toBeLessThanOrEqual(32767);
    expect(svc.spec?.externalTrafficPolicy).toBe("Cluster");

    const taken = await create("np-taken", { type: "NodePort", ports: [{ port: 80, nodePort: 30080 }] });
    expect(taken.status).toBe(422);
    expect(taken.body.message).toBe(
      'Service "np-taken" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated',
    );
    const foreign = await create("np-foreign", { type: "NodePort", ports: [{ port: 80, nodePort: 8080 }] });
    expect(foreign.status).toBe(422);
    expect(foreign.body.message).toBe(
      'Service "np-foreign" is invalid: spec.ports[0].nodePort: Invalid value: 8080: provided port is not in the valid range. The range of valid ports is 30000-32767',
    );
  });

  it("releases node ports on delete, on a removed port and on a switch to ClusterIP", async () => {
    const svc = await createOk("np-release", {
      type: "NodePort",
      ports: [
        { name: "a", port: 80, nodePort: 30100 },
        { name: "b", port: 81, nodePort: 30101 },
      ],
    });
    // Removing port b gives 30101 back.
    const onePort = await cluster.api.put(path("np-release"), {
      ...svc,
      spec: { ...svc.spec, ports: [svc.spec?.ports?.[0]] },
    });
    expect(onePort.status, JSON.stringify(onePort.body)).toBe(200);
    await createOk("np-101", { type: "NodePort", ports: [{ port: 80, nodePort: 30101 }] });

    // Switching to ClusterIP drops and releases 30100 (the client sent it back unchanged).
    const toClusterIP = await cluster.api.patch(
      path("np-release"),
      { spec: { type: "ClusterIP" } },
      "application/merge-patch+json",
    );
    expect(toClusterIP.status, JSON.stringify(toClusterIP.body)).toBe(200);
    expect(toClusterIP.body.spec.ports[0].nodePort).toBeUndefined();
    expect(toClusterIP.body.spec.externalTrafficPolicy).toBeUndefined();
    await createOk("np-100", { type: "NodePort", ports: [{ port: 80, nodePort: 30100 }] });

    // And back to NodePort: a fresh port is allocated.
    const toNodePort = await cluster.api.patch(
      path("np-release"),
      { spec: { type: "NodePort" } },
      "application/merge-patch+json",
    );
    expect(toNodePort.status, JSON.stringify(toNodePort.body)).toBe(200);
    const port = toNodePort.body.spec.ports[0].nodePort as number;
    expect(port).toBeGreaterThanOrEqual(30000);

    // Deleting gives back the address and the port.
    const ip = toNodePort.body.spec.clusterIP as string;
    expect((await cluster.api.delete(path("np-release"))).status).toBe(200);
    await createOk("np-reuse", { type: "NodePort", clusterIP: ip, ports: [{ port: 80, nodePort: port }] });
  });

  it("prints node ports in kubectl's table", async () => {
    const table = await cluster.api.get(path("np-reuse"), {
      accept: "application/json;as=Table;v=v1;g=meta.k8s.io",
    });
    expect(table.status).toBe(200);
    const cells = table.body.rows[0].cells as string[];
    expect(cells.slice(0, 2)).toEqual(["np-reuse", "NodePort"]);
    expect(cells[4]).toMatch(/^80:\d{5}\/TCP$/);
  });
});

describe("two apiservers on one etcd", () => {
  let second: ApiserverProcess;
  let secondApi: RestClient;
  beforeAll(async () => {
    second = await startApiserver({ etcd: cluster.etcd.endpoint });
    secondApi = new RestClient(second.url);
  });
  afterAll(() => second?.stop());

  it("never hand out the same address or node port twice under concurrent creates", async () => {
    const created = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        createOk(`pair-${i}`, { type: "NodePort" }, i % 2 === 0 ? cluster.api : secondApi),
      ),
    );
    const ips = created.map((s) => s.spec?.clusterIP);
    const ports = created.map((s) => s.spec?.ports?.[0]?.nodePort);
    expect(new Set(ips).size).toBe(60);
    expect(new Set(ports).size).toBe(60);
    // And the maps agree with the Services: every Service's values marked, nothing else.
    const all = (await cluster.api.get("/api/v1/services")).body.items as Service[];
    const heldIPs = all.filter((s) => s.spec?.clusterIP && s.spec.clusterIP !== "None").length;
    const heldPorts = all.flatMap((s) => (s.spec?.ports ?? []).filter((p) => p.nodePort)).length;
    expect(await rangeBits("serviceips")).toBe(heldIPs);
    expect(await rangeBits("servicenodeports")).toBe(heldPorts);
  });
});

describe("repair", () => {
  const services = findResource("", "services");

  it("rebuilds a deleted map before the next allocation, so nothing is handed out twice", async () => {
    const existing = await createOk("before-loss", { clusterIP: "100.96.0.30" });
    await etcd.delete().key("/registry/ranges/serviceips");
    await etcd.delete().key("/registry/ranges/servicenodeports");
    const taken = await create("after-loss", { clusterIP: existing.spec?.clusterIP });
    expect(taken.status).toBe(422);
    expect(taken.body.message).toMatch(/provided IP is already allocated$/);
    expect(await rangeBits("serviceips")).toBeGreaterThan(0);
  });

  it("marks the address of a Service written into etcd behind the apiserver's back", async () => {
    if (!services) throw new Error("no services resource");
    const rogue: Service = {
      metadata: { name: "rogue", namespace: NS, uid: "rogue-uid", creationTimestamp: "2024-01-01T00:00:00Z" },
      spec: {
        type: "ClusterIP",
        clusterIP: "100.96.0.40",
        clusterIPs: ["100.96.0.40"],
        ports: [{ port: 80 }],
      },
    };
    await etcd
      .put(`/registry/core/services/${NS}/rogue`)
      .value(Buffer.from(objectCodec(services).encode(rogue)));
    // The repair loop (every second here) marks it; until then the address looks free.
    await eventually(async () => {
      const res = await create(`probe-${Date.now()}`, { clusterIP: "100.96.0.40" });
      if (res.status === 201) await cluster.api.delete(path(res.body.metadata.name));
      expect(res.status).toBe(422);
      expect(res.body.message).toMatch(
        /failed to allocate IP 100\.96\.0\.40: provided IP is already allocated$/,
      );
    });
  });

  it("releases an address whose Service vanished from etcd (a leak)", async () => {
    await createOk("leaky", { clusterIP: "100.96.0.50" });
    await etcd.delete().key(`/registry/core/services/${NS}/leaky`);
    await eventually(async () => {
      const res = await create("leak-reuse", { clusterIP: "100.96.0.50" });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    });
  });
});
