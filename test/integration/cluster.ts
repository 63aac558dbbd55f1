import { afterAll, beforeAll } from "vitest";
import { startApiserver, startEtcd, type ApiserverProcess, type EtcdServer } from "@ktl/testing";
import { RestClient } from "./apiserver/client.js";

/** A real etcd and apiserver for one test file; the fields are set once beforeAll has run. */
export interface TestCluster {
  readonly etcd: EtcdServer;
  readonly apiserver: ApiserverProcess;
  /** REST client for the apiserver. */
  readonly api: RestClient;
}

/**
 * Starts etcd and an apiserver (with extra flags) before the file's tests and
 * stops both afterwards, whatever happened in between.
 */
export function useApiserver(options: { args?: readonly string[] } = {}): TestCluster {
  const cluster = {} as { etcd: EtcdServer; apiserver: ApiserverProcess; api: RestClient };
  beforeAll(async () => {
    cluster.etcd = await startEtcd();
    cluster.apiserver = await startApiserver({ etcd: cluster.etcd.endpoint, args: options.args });
    cluster.api = new RestClient(cluster.apiserver.url);
  });
  afterAll(async () => {
    await cluster.apiserver?.stop();
    await cluster.etcd?.stop();
  });
  return cluster;
}
