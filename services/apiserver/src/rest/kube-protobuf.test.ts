import protobuf from "protobufjs";
import { describe, expect, it } from "vitest";
import { decodeKubeProtobuf } from "./kube-protobuf.js";

// Request bodies exactly as kubectl 1.33 sends them (captured from
// `kubectl create ... --dry-run=server`), hex-encoded.
const NAMESPACE =
  "6b3873000a0f0a02763112094e616d657370616365121b0a130a0366783112001a0022002a0032003800420012001a02" +
  "0a001a002200";
const DEPLOYMENT =
  "6b3873000a150a07617070732f7631120a4465706c6f796d656e7412ba010a200a02647812001a0365326522002a0032" +
  "00380042005a090a03617070120264781287010800120b0a090a03617070120264781a6e0a1b0a0012001a0022002a00" +
  "3200380042005a090a0361707012026478124f12310a056e67696e7812076e67696e783a312a00320b0a00100018903f" +
  "22002a0042006a007200800100880100900100a201001a00320042004a0052005800600068008201008a01009a0100c2" +
  "010022020a00280038001a0c0800100018002000280038001a002200";
const SERVICE =
  "6b3873000a0d0a027631120753657276696365126c0a200a02737812001a0365326522002a003200380042005a090a03" +
  "6170701202737812440a1e0a0738302d6874747012035443501850220a080110001a0468747470280012090a03617070" +
  "120273781a002209436c757374657249503a00420052005a00600068001a020a001a002200";
const CONFIGMAP =
  "6b3873000a0f0a0276311209436f6e6669674d6170121f0a150a02637812001a0365326522002a003200380042001206" +
  "0a01611201621a002200";

const decode = (hex: string) => decodeKubeProtobuf(Buffer.from(hex, "hex"));

describe("decodeKubeProtobuf", () => {
  it("decodes `kubectl create namespace`, dropping Go's zero values", () => {
    expect(decode(NAMESPACE)).toEqual({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "fx1" },
      spec: {},
      status: {},
    });
  });

  it("keeps the zero of pointer fields (replicas: 0) and drops other zeros", () => {
    expect(decode(DEPLOYMENT)).toEqual({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "dx", namespace: "e2e", labels: { app: "dx" } },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: "dx" } },
        template: {
          metadata: { labels: { app: "dx" } },
          spec: {
            containers: [
              { name: "nginx", image: "nginx:1", ports: [{ containerPort: 8080 }], resources: {} },
            ],
          },
        },
        strategy: {},
      },
      status: {},
    });
  });

  it("turns Kubernetes' IntOrString message into a bare string or number", () => {
    const svc = decode(SERVICE) as { spec: { ports: unknown[] } };
    expect(svc.spec.ports).toEqual([{ name: "80-http", protocol: "TCP", port: 80, targetPort: "http" }]);
  });

  it("decodes maps", () => {
    expect(decode(CONFIGMAP)).toEqual({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "cx", namespace: "e2e" },
      data: { a: "b" },
    });
  });

  it("turns Kubernetes' Time and Quantity messages into strings", () => {
    // A Pod as Kubernetes encodes it, written field by field (k8s.io/api generated.proto numbers).
    const w = protobuf.Writer.create();
    w.uint32((1 << 3) | 2).fork(); // metadata
    w.uint32((1 << 3) | 2).string("p"); // name
    w.uint32((8 << 3) | 2)
      .fork()
      .uint32((1 << 3) | 0)
      .int64(1700000000)
      .ldelim(); // creationTimestamp
    w.ldelim();
    w.uint32((2 << 3) | 2).fork(); // spec
    w.uint32((2 << 3) | 2).fork(); // containers[0]
    w.uint32((1 << 3) | 2).string("c");
    w.uint32((8 << 3) | 2).fork(); // resources
    w.uint32((1 << 3) | 2).fork(); // limits entry
    w.uint32((1 << 3) | 2).string("cpu");
    w.uint32((2 << 3) | 2)
      .fork()
      .uint32((1 << 3) | 2)
      .string("100m")
      .ldelim();
    w.ldelim().ldelim().ldelim().ldelim();
    const raw = w.finish();
    const envelope = protobuf.Writer.create();
    envelope
      .uint32((1 << 3) | 2)
      .fork()
      .uint32((1 << 3) | 2)
      .string("v1")
      .uint32((2 << 3) | 2)
      .string("Pod")
      .ldelim();
    envelope.uint32((2 << 3) | 2).bytes(raw);
    const body = Buffer.concat([Buffer.from("k8s\0"), envelope.finish()]);
    expect(decodeKubeProtobuf(body)).toEqual({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "p", creationTimestamp: "2023-11-14T22:13:20Z" },
      spec: { containers: [{ name: "c", resources: { limits: { cpu: "100m" } } }] },
    });
  });

  it("decodes a Lease as client-go's leader election writes it: MicroTimes, pointer zeros", () => {
    // A released Lease (k8s.io/api coordination/v1 generated.proto numbers).
    const w = protobuf.Writer.create();
    w.uint32((1 << 3) | 2)
      .fork()
      .uint32((1 << 3) | 2)
      .string("kube-scheduler")
      .uint32((3 << 3) | 2)
      .string("kube-system")
      .ldelim(); // metadata
    w.uint32((2 << 3) | 2).fork(); // spec
    w.uint32((1 << 3) | 2).string(""); // holderIdentity
    w.uint32((2 << 3) | 0).int32(1); // leaseDurationSeconds
    w.uint32((3 << 3) | 2)
      .fork()
      .uint32((1 << 3) | 0)
      .int64(1700000000)
      .uint32((2 << 3) | 0)
      .int32(123456000)
      .ldelim(); // acquireTime
    w.uint32((4 << 3) | 2)
      .fork()
      .uint32((1 << 3) | 0)
      .int64(1700000000)
      .uint32((2 << 3) | 0)
      .int32(123456000)
      .ldelim(); // renewTime
    w.uint32((5 << 3) | 0).int32(0); // leaseTransitions
    w.ldelim();
    const envelope = protobuf.Writer.create();
    envelope
      .uint32((1 << 3) | 2)
      .fork()
      .uint32((1 << 3) | 2)
      .string("coordination.k8s.io/v1")
      .uint32((2 << 3) | 2)
      .string("Lease")
      .ldelim();
    envelope.uint32((2 << 3) | 2).bytes(w.finish());
    const body = Buffer.concat([Buffer.from("k8s\0"), envelope.finish()]);
    expect(decodeKubeProtobuf(body)).toEqual({
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: "kube-scheduler", namespace: "kube-system" },
      spec: {
        holderIdentity: "",
        leaseDurationSeconds: 1,
        acquireTime: "2023-11-14T22:13:20.123456Z",
        renewTime: "2023-11-14T22:13:20.123456Z",
        leaseTransitions: 0,
      },
    });
  });

  it("refuses a body without the magic number or of an unknown kind", () => {
    expect(() => decodeKubeProtobuf(Buffer.from("{}"))).toThrow(/magic number/);
    // "k8s\0" + Unknown{typeMeta{apiVersion: "v1", kind: "Secret"}}
    const secret = Buffer.concat([
      Buffer.from("k8s\0"),
      Buffer.from("0a0c0a02763112065365637265741200", "hex"),
    ]);
    expect(() => decodeKubeProtobuf(secret)).toThrow(/no kind "Secret" is registered for version "v1"/);
  });
});
