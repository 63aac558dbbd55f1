/**
 * OCI images built in TypeScript for a cluster without access to public
 * registries: a deterministic tar writer, gzip layers, image configs and
 * manifests, the busybox and pause images built from the machine's static
 * busybox, importers for docker save and OCI layout archives, and a Docker
 * Registry v2 client to push them to the cluster's own registry.
 *
 * @example
 * import { buildBusyboxImage, pushImage, readImageArchive, seedImages } from "@ktl/oci";
 *
 * // Everything the cluster needs: library/busybox:latest (and :1.35), ktl/pause:3.9.
 * await seedImages({ registry: "127.0.0.1:5000" });
 *
 * const image = await buildBusyboxImage();
 * const digest = await pushImage({ registry: "127.0.0.1:5000", repository: "library/busybox", tag: "latest", image });
 *
 * // `ktl image push FILE`
 * for (const { image, tags } of await readImageArchive("app.tar")) {
 *   for (const { repository = "library/app", tag } of tags) {
 *     await pushImage({ registry: "127.0.0.1:5000", repository, tag, image });
 *   }
 * }
 */
export * from "./tar.js";
export * from "./tar-reader.js";
export * from "./image.js";
export * from "./busybox.js";
export * from "./reference.js";
export * from "./registry-client.js";
export * from "./archive.js";
export * from "./seed.js";
