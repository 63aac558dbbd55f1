import { describe, expect, it } from "vitest";
import type { ArchiveImage, Image } from "@ktl/oci";
import { chooseRegistry, nameRegistry, pushTargets } from "./image-targets.js";

const image = (digest: string): Image => ({ digest }) as Image;
const named = (digest: string, ...names: [string | undefined, string][]): ArchiveImage => ({
  image: image(digest),
  tags: names.map(([repository, tag]) => ({ repository, tag, name: `${repository ?? ""}:${tag}` })),
});

describe("pushTargets", () => {
  it("pushes each image under every name the archive gives it", () => {
    const targets = pushTargets(
      [named("a", ["library/app", "1"], ["library/app", "latest"]), named("b", ["team/tool", "2"])],
      "",
      "x.tar",
    );
    expect(targets.map((t) => [t.image.digest, t.repository, t.tag])).toEqual([
      ["a", "library/app", "1"],
      ["a", "library/app", "latest"],
      ["b", "team/tool", "2"],
    ]);
  });

  it("takes --name (docker's rules) for an archive of one image", () => {
    expect(pushTargets([named("a")], "app:1", "x.tar")).toMatchObject([
      { repository: "library/app", tag: "1" },
    ]);
    expect(pushTargets([named("a")], "team/app", "x.tar")).toMatchObject([
      { repository: "team/app", tag: "latest" },
    ]);
    expect(pushTargets([named("a")], "127.0.0.1:5000/team/app:2", "x.tar")).toMatchObject([
      { repository: "team/app", tag: "2" },
    ]);
  });

  it("explains what is missing", () => {
    expect(() => pushTargets([], "", "x.tar")).toThrow("x.tar holds no images");
    expect(() => pushTargets([named("a"), named("b")], "app:1", "x.tar")).toThrow(
      /holds 2; push it without --name/,
    );
    expect(() => pushTargets([named("a")], "", "x.tar")).toThrow(/x.tar has no name; give one with --name/);
    expect(() => pushTargets([named("a", [undefined, "1"])], "", "x")).toThrow(/only ":1" \(a tag\)/);
    expect(() => pushTargets([named("a")], "Bad Name", "x")).toThrow(/--name: invalid image reference/);
    expect(() => pushTargets([named("a")], `app@sha256:${"0".repeat(64)}`, "x")).toThrow(/not a digest/);
  });
});

describe("chooseRegistry", () => {
  const base = { flag: "", name: "", cluster: "127.0.0.1:5000", stateFile: "/h/state.json" };
  it("is --registry, else --name's registry, else the cluster's", () => {
    expect(chooseRegistry(base)).toBe("127.0.0.1:5000");
    expect(chooseRegistry({ ...base, flag: "http://127.0.0.1:6000/" })).toBe("127.0.0.1:6000");
    expect(chooseRegistry({ ...base, name: "127.0.0.1:7000/app:1" })).toBe("127.0.0.1:7000");
    expect(chooseRegistry({ ...base, name: "app:1" })).toBe("127.0.0.1:5000");
    expect(nameRegistry("docker.io/library/app:1")).toBeUndefined();
  });

  it("refuses contradictions and a missing cluster", () => {
    expect(() => chooseRegistry({ ...base, flag: "127.0.0.1:6000", name: "127.0.0.1:7000/app" })).toThrow(
      /names registry 127.0.0.1:7000, but --registry is 127.0.0.1:6000/,
    );
    expect(() => chooseRegistry({ ...base, cluster: undefined })).toThrow(/\/h\/state.json does not exist/);
  });
});
