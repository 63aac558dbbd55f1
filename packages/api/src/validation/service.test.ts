import { describe, it, expect } from "vitest";
import { fieldErrorMessage } from "@ktl/apimachinery";
import type { Service, ServiceSpec } from "../gen/types.js";
import { applyDefaults } from "../defaults/index.js";
import { validateCreate, validateUpdate } from "./index.js";

function service(spec: Partial<ServiceSpec> = {}, name = "web"): Service {
  const s: Service = {
    metadata: { name, namespace: "default" },
    spec: { selector: { app: "web" }, ports: [{ port: 80 }], ...spec },
  };
  applyDefaults("Service", s);
  return s;
}

const messages = (s: unknown): string[] => validateCreate("Service", s).map(fieldErrorMessage);

describe("Service create", () => {
  it("accepts a defaulted service", () => {
    expect(messages(service())).toEqual([]);
    expect(messages(service({ type: "NodePort", ports: [{ port: 80, nodePort: 30080 }] }))).toEqual([]);
    expect(messages(service({ type: "LoadBalancer" }))).toEqual([]);
  });

  it("requires a DNS-1035 label name", () => {
    expect(messages(service({}, "1web"))).toEqual([
      `metadata.name: Invalid value: "1web": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`,
    ]);
  });

  it("checks the type", () => {
    expect(messages(service({ type: "Internal" }))).toEqual([
      'spec.type: Unsupported value: "Internal": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
    ]);
  });

  it("requires ports unless headless or ExternalName", () => {
    expect(messages(service({ ports: [] }))).toEqual(["spec.ports: Required value"]);
    expect(messages(service({ ports: [], clusterIP: "None" }))).toEqual([]);
    expect(messages(service({ type: "ExternalName", externalName: "db.example.com", ports: [] }))).toEqual(
      [],
    );
  });

  it("checks port numbers, protocols and names", () => {
    expect(messages(service({ ports: [{ port: 0 }] }))).toEqual([
      "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
      "spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive",
    ]);
    expect(messages(service({ ports: [{ port: 80, protocol: "ICMP" }] }))).toEqual([
      'spec.ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"',
    ]);
    expect(messages(service({ ports: [{ name: "http", port: 80 }, { port: 443 }] }))).toEqual([
      "spec.ports[1].name: Required value",
    ]);
    expect(
      messages(
        service({
          ports: [
            { name: "http", port: 80 },
            { name: "http", port: 443 },
          ],
        }),
      ),
    ).toEqual(['spec.ports[1].name: Duplicate value: "http"']);
    expect(messages(service({ ports: [{ port: 80 }, { port: 80, name: "b" }] }))).toContain(
      "spec.ports[0].name: Required value",
    );
  });

  it("checks targetPort as a number or an IANA_SVC_NAME", () => {
    expect(messages(service({ ports: [{ port: 80, targetPort: "http" }] }))).toEqual([]);
    expect(messages(service({ ports: [{ port: 80, targetPort: 70000 }] }))).toEqual([
      "spec.ports[0].targetPort: Invalid value: 70000: must be between 1 and 65535, inclusive",
    ]);
    expect(messages(service({ ports: [{ port: 80, targetPort: "HTTP" }] }))).toEqual([
      'spec.ports[0].targetPort: Invalid value: "HTTP": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
    ]);
  });

  it("only allows nodePort on NodePort and LoadBalancer services", () => {
    expect(messages(service({ ports: [{ port: 80, nodePort: 30080 }] }))).toEqual([
      "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'",
    ]);
    const dup = service({
      type: "NodePort",
      ports: [
        { name: "a", port: 80, nodePort: 30080 },
        { name: "b", port: 81, nodePort: 30080 },
      ],
    });
    expect(messages(dup)).toEqual(["spec.ports[1].nodePort: Duplicate value: 30080"]);
  });

  it("rejects two ports with the same protocol and number", () => {
    expect(
      messages(
        service({
          ports: [
            { name: "a", port: 80 },
            { name: "b", port: 80 },
          ],
        }),
      ),
    ).toEqual(['spec.ports[1]: Duplicate value: {"protocol":"TCP","port":80}']);
  });

  it("checks sessionAffinity", () => {
    expect(messages(service({ sessionAffinity: "ClientIP" }))).toEqual([]);
    expect(messages(service({ sessionAffinity: "Sticky" }))).toEqual([
      'spec.sessionAffinity: Unsupported value: "Sticky": supported values: "ClientIP", "None"',
    ]);
    const tooLong = service({
      sessionAffinity: "ClientIP",
      sessionAffinityConfig: { clientIP: { timeoutSeconds: 100000 } },
    });
    expect(messages(tooLong)).toEqual([
      "spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 100000: must be greater than 0 and less than 86400",
    ]);
  });

  it("checks clusterIP: an IP, None or empty", () => {
    expect(messages(service({ clusterIP: "10.96.0.10" }))).toEqual([]);
    expect(messages(service({ clusterIP: "" }))).toEqual([]);
    expect(messages(service({ clusterIP: "10.96.0.300" }))).toEqual([
      'spec.clusterIPs[0]: Invalid value: "10.96.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
    ]);
    expect(messages(service({ clusterIP: "fd00::10" }))).toEqual([
      'spec.clusterIPs[0]: Invalid value: "fd00::10": expected an IPv4 value as indicated by `ipFamilies[0]`',
    ]);
    expect(messages(service({ type: "NodePort", clusterIP: "None" }))).toEqual([
      `spec.clusterIPs[0]: Invalid value: "None": may not be set to 'None' for NodePort services`,
    ]);
  });

  it("checks ExternalName services", () => {
    expect(messages(service({ type: "ExternalName", externalName: "" }))).toEqual([
      "spec.externalName: Required value",
    ]);
    expect(
      messages(service({ type: "ExternalName", externalName: "db.example.com.", clusterIP: "10.0.0.1" })),
    ).toEqual(["spec.clusterIPs: Forbidden: may not be set for ExternalName services"]);
  });

  it("checks externalIPs and traffic policies", () => {
    expect(messages(service({ externalIPs: ["127.0.0.1"] }))).toEqual([
      'spec.externalIPs[0]: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
    ]);
    expect(messages(service({ externalTrafficPolicy: "Local" }))).toEqual([
      'spec.externalTrafficPolicy: Invalid value: "Local": may only be set for externally-accessible services',
    ]);
    expect(messages(service({ type: "NodePort", externalTrafficPolicy: "Nearest" }))).toEqual([
      'spec.externalTrafficPolicy: Unsupported value: "Nearest": supported values: "Cluster", "Local"',
    ]);
    expect(messages(service({ internalTrafficPolicy: "Anywhere" }))).toEqual([
      'spec.internalTrafficPolicy: Unsupported value: "Anywhere": supported values: "Cluster", "Local"',
    ]);
  });

  it("checks the selector's label syntax", () => {
    expect(messages(service({ selector: { app: "web app" } }))[0]).toMatch(
      /^spec\.selector: Invalid value: "web app": a valid label must be/,
    );
  });
});

describe("Service update", () => {
  it("keeps an allocated clusterIP", () => {
    const old = service({ clusterIP: "10.96.0.10" });
    expect(
      validateUpdate("Service", service({ clusterIP: "10.96.0.10", ports: [{ port: 8080 }] }), old),
    ).toEqual([]);
    // Omitted: the server carries the allocated address over.
    expect(validateUpdate("Service", service({ ports: [{ port: 8080 }] }), old)).toEqual([]);
    expect(
      validateUpdate("Service", service({ clusterIP: "10.96.0.11" }), old).map(fieldErrorMessage),
    ).toEqual(['spec.clusterIPs[0]: Invalid value: ["10.96.0.11"]: may not change once set']);
  });
});
