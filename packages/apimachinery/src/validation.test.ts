import { describe, expect, it } from "vitest";
import {
  aggregateMessages,
  duplicate,
  fieldErrorBody,
  fieldErrorMessage,
  fieldNotFound,
  forbiddenField,
  goQuote,
  invalidValue,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  notSupported,
  regexError,
  required,
  tooLong,
  tooMany,
} from "./validation.js";

const NAME_PART =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric " +
  "character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const SUBDOMAIN =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and " +
  "end with an alphanumeric character (e.g. 'example.com', regex used for validation is " +
  "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with " +
  "an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const LABEL_VALUE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and " +
  "end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is " +
  "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

describe("regexError", () => {
  it("formats examples as Go does, double spaces included", () => {
    expect(regexError("bad", "x+")).toBe("bad (regex used for validation is 'x+')");
    expect(regexError("bad", "x+", "a", "b")).toBe(
      "bad (e.g. 'a',  or 'b', regex used for validation is 'x+')",
    );
  });
});

describe("isQualifiedName", () => {
  it.each(["a", "A", "app", "app.kubernetes.io/name", "k8s.io/a_b-c.d", "x".repeat(63), "1"])(
    "accepts %s",
    (key) => {
      expect(isQualifiedName(key)).toEqual([]);
    },
  );

  it("rejects a bad name part", () => {
    expect(isQualifiedName("-a")).toEqual([NAME_PART]);
    expect(isQualifiedName("a b")).toEqual([NAME_PART]);
  });

  it("reports an empty name twice, as Kubernetes does", () => {
    expect(isQualifiedName("")).toEqual(["name part must be non-empty", NAME_PART]);
  });

  it("limits the name part to 63 characters", () => {
    expect(isQualifiedName("x".repeat(64))).toEqual(["name part must be no more than 63 characters"]);
  });

  it("checks the prefix as a DNS subdomain", () => {
    expect(isQualifiedName("/a")).toEqual(["prefix part must be non-empty"]);
    expect(isQualifiedName("Example.com/a")).toEqual([`prefix part ${SUBDOMAIN}`]);
  });

  it("rejects more than one slash", () => {
    expect(isQualifiedName("a/b/c")).toEqual([
      "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an " +
        "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is " +
        "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ]);
  });
});

describe("isValidLabelValue", () => {
  it.each(["", "a", "A-b_c.d", "x".repeat(63)])("accepts %j", (v) => {
    expect(isValidLabelValue(v)).toEqual([]);
  });

  it("rejects bad characters and long values", () => {
    expect(isValidLabelValue("a b")).toEqual([LABEL_VALUE]);
    expect(isValidLabelValue("x".repeat(64))).toEqual(["must be no more than 63 characters"]);
    expect(isValidLabelValue("-".repeat(64))).toEqual(["must be no more than 63 characters", LABEL_VALUE]);
  });
});

describe("isDNS1123Subdomain", () => {
  it.each(["a", "example.com", "a-b.c-d", "0.1"])("accepts %s", (v) => {
    expect(isDNS1123Subdomain(v)).toEqual([]);
  });

  it("rejects upper case, underscores and edges", () => {
    for (const v of ["A", "a_b", "-a", "a.", ".a", ""]) expect(isDNS1123Subdomain(v)).toEqual([SUBDOMAIN]);
  });

  it("limits the length to 253", () => {
    const long = `${"a".repeat(63)}.`.repeat(4).slice(0, 254);
    expect(isDNS1123Subdomain(long)).toContain("must be no more than 253 characters");
  });
});

describe("isDNS1123Label", () => {
  it("accepts labels", () => {
    expect(isDNS1123Label("my-name")).toEqual([]);
    expect(isDNS1123Label("a".repeat(63))).toEqual([]);
  });

  it("says dots are the problem when the value is a valid subdomain", () => {
    expect(isDNS1123Label("a.b")).toEqual(["must not contain dots"]);
  });

  it("rejects other values with the label regex", () => {
    expect(isDNS1123Label("My-Name")).toEqual([LABEL]);
    expect(isDNS1123Label("a".repeat(64))).toEqual(["must be no more than 63 characters"]);
    expect(isDNS1123Label("A".repeat(64))).toEqual(["must be no more than 63 characters", LABEL]);
  });
});

describe("field errors", () => {
  it.each([
    [
      invalidValue("spec.replicas", -1, "must be greater than or equal to 0"),
      "spec.replicas: Invalid value: -1: must be greater than or equal to 0",
    ],
    [invalidValue("metadata.name", "Foo", "bad"), `metadata.name: Invalid value: "Foo": bad`],
    [invalidValue("spec.x", null, "must be set"), "spec.x: Invalid value: null: must be set"],
    [invalidValue("spec.x", undefined, "must be set"), "spec.x: Invalid value: null: must be set"],
    [invalidValue("spec.x", true), "spec.x: Invalid value: true"],
    [invalidValue("spec.ports", [{ port: 80 }], "dup"), `spec.ports: Invalid value: [{"port":80}]: dup`],
    [invalidValue("a", "<b>", "html"), `a: Invalid value: "<b>": html`],
    [invalidValue("a", { s: "<b>" }, "html"), `a: Invalid value: {"s":"\\u003cb\\u003e"}: html`],
    [
      required("metadata.name", "name or generateName is required"),
      "metadata.name: Required value: name or generateName is required",
    ],
    [required("spec.containers[0].image"), "spec.containers[0].image: Required value"],
    [
      notSupported("spec.type", "Foo", ["ClusterIP", "NodePort"]),
      `spec.type: Unsupported value: "Foo": supported values: "ClusterIP", "NodePort"`,
    ],
    [notSupported("spec.type", "Foo", []), `spec.type: Unsupported value: "Foo"`],
    [duplicate("spec.containers[1].name", "web"), `spec.containers[1].name: Duplicate value: "web"`],
    [fieldNotFound("spec.volumes[0].name", "v"), `spec.volumes[0].name: Not found: "v"`],
    [forbiddenField("spec.nodeName", "may not be set"), "spec.nodeName: Forbidden: may not be set"],
    [
      tooLong("metadata.annotations", "", 262144),
      "metadata.annotations: Too long: may not be more than 262144 bytes",
    ],
    [tooLong("a", "", 1), "a: Too long: may not be more than 1 byte"],
    [tooLong("", "", 1048576), "[]: Too long: may not be more than 1048576 bytes"],
    [tooMany("spec.items", 5, 3), "spec.items: Too many: 5: must have at most 3 items"],
    [tooMany("spec.items", -1, 1), "spec.items: Too many: must have at most 1 item"],
  ])("formats %o", (err, message) => {
    expect(fieldErrorMessage(err)).toBe(message);
  });

  it("keeps a detail added to a duplicate", () => {
    const err = {
      ...duplicate("spec.taints[1]", { key: "k", effect: "NoSchedule" }),
      detail: "taints must be unique by key and effect pair",
    };
    expect(fieldErrorBody(err)).toBe(
      `Duplicate value: {"key":"k","effect":"NoSchedule"}: taints must be unique by key and effect pair`,
    );
  });
});

describe("goQuote", () => {
  it("escapes like Go's %q", () => {
    expect(goQuote(`a"b\\c`)).toBe(`"a\\"b\\\\c"`);
    expect(goQuote("a\nb\tc\u0000\u007f")).toBe(`"a\\nb\\tc\\x00\\x7f"`);
    expect(goQuote("héllo ✓")).toBe(`"héllo ✓"`);
    expect(goQuote("\u2028")).toBe(`"\\u2028"`);
  });
});

describe("aggregateMessages", () => {
  it("drops duplicates and brackets several", () => {
    expect(aggregateMessages([])).toBe("");
    expect(aggregateMessages(["a"])).toBe("a");
    expect(aggregateMessages(["a", "a"])).toBe("a");
    expect(aggregateMessages(["a", "b", "a"])).toBe("[a, b]");
  });
});
