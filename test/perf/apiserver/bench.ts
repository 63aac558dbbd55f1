/**
 * apiserver benchmark. Prints, measured in one run on this machine:
 *  - object creates/s through the apiserver (gRPC and REST) vs raw etcd puts/s, same concurrency
 *  - list latency for 10k pods (one list from the watch cache, kubectl-style pages, raw etcd range)
 *  - watch delivery latency (write → event at the client), p50/p99, with 1,000 watchers vs raw etcd watches
 *  - apiserver RSS holding 10k and 100k pods
 * Sizes can be lowered with BENCH_SCALE (e.g. 0.1) for a quick look.
 */
import { Etcd3 } from "etcd3";
import { findResource, objectCodec, type Pod } from "@ktl/api";
import { ApiClient } from "@ktl/client";
import { startApiserver, startEtcd } from "@ktl/testing";
import { fmt, row, rssMiB, summarize, throughput } from "../lib.js";

const SCALE = Number(process.env.BENCH_SCALE ?? "1");
const CREATES = Math.round(5000 * SCALE);
const CONCURRENCY = 64;
const LIST_PODS = Math.round(10_000 * SCALE);
const BIG_PODS = Math.round(100_000 * SCALE);
const WATCHERS = Math.round(1000 * SCALE);
const WATCH_WRITES = 100;

const pods = findResource("", "pods")!;
const podCodec = objectCodec<Pod>(pods);

function benchPod(name: string, namespace = "default"): Pod {
  return {
    metadata: { name, namespace, labels: { app: "bench", tier: "web", "pod-template-hash": "7d9f8c6b5" } },
    spec: {
      nodeName: `node-${name.length % 10}`,
      containers: [
        {
          name: "web",
          image: "busybox:1.36",
          command: ["httpd", "-f", "-p", "8080"],
          ports: [{ containerPort: 8080, name: "http" }],
          env: [{ name: "MODE", value: "bench" }],
          resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
          readinessProbe: { httpGet: { path: "/", port: 8080 }, periodSeconds: 5 },
        },
      ],
    },
  };
}

async function main(): Promise<void> {
  const etcd = await startEtcd();
  const apiserver = await startApiserver({ etcd: etcd.endpoint, args: ["--watch-cache-events", "200000"] });
  const client = new ApiClient(apiserver.grpcAddress);
  const raw = new Etcd3({
    hosts: etcd.endpoint,
    grpcOptions: { "grpc.max_receive_message_length": 512 * 1024 * 1024 },
  });
  const pid = apiserver.child.pid!;
  console.log(`apiserver benchmark (scale ${SCALE}), node ${process.version}, etcd at ${etcd.endpoint}`);
  try {
    // --- creates -----------------------------------------------------------
    const value = Buffer.from(podCodec.encode(benchPod("raw-0000000")));
    await raw.put("/warmup").value("x");
    const rawPuts = await throughput(CREATES, CONCURRENCY, async (i) => {
      await raw.put(`/raw/pods/default/raw-${i}`).value(value);
    });
    const rawTxnPuts = await throughput(CREATES, CONCURRENCY, async (i) => {
      const key = `/raw/pods/default/txn-${i}`;
      await raw.if(key, "Create", "==", 0).then(raw.put(key).value(value)).commit();
    });
    const grpcCreates = await throughput(CREATES, CONCURRENCY, async (i) => {
      await client.create<Pod>(pods, "default", benchPod(`grpc-${i}`));
    });
    const restCreates = await throughput(CREATES, CONCURRENCY, async (i) => {
      const res = await fetch(`${apiserver.url}/api/v1/namespaces/default/pods`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(benchPod(`rest-${i}`)),
      });
      if (res.status !== 201) throw new Error(`create failed: ${res.status} ${await res.text()}`);
    });
    console.log(`\ncreates, ${CREATES} pods of ${value.length} bytes, concurrency ${CONCURRENCY}`);
    row("raw etcd put/s", fmt(rawPuts, 0));
    row("raw etcd create-if-absent txn/s (what the apiserver does)", fmt(rawTxnPuts, 0));
    row(
      "apiserver gRPC creates/s",
      `${fmt(grpcCreates, 0)}  (ratio vs raw put ${fmt(grpcCreates / rawPuts, 2)}, vs txn ${fmt(grpcCreates / rawTxnPuts, 2)})`,
    );
    row(
      "apiserver REST/JSON creates/s",
      `${fmt(restCreates, 0)}  (ratio vs raw put ${fmt(restCreates / rawPuts, 2)}, vs txn ${fmt(restCreates / rawTxnPuts, 2)})`,
    );

    // --- list latency --------------------------------------------------------
    await client.create(findResource("", "namespaces")!, undefined, { metadata: { name: "list" } });
    await throughput(LIST_PODS, CONCURRENCY, async (i) => {
      await client.create<Pod>(pods, "list", benchPod(`p-${String(i).padStart(6, "0")}`, "list"));
    });
    const listTimes: number[] = [];
    const pagedTimes: number[] = [];
    const rawTimes: number[] = [];
    for (let i = 0; i < 10; i++) {
      let t = performance.now();
      const res = await fetch(`${apiserver.url}/api/v1/namespaces/list/pods`);
      const body = (await res.json()) as { items: unknown[] };
      listTimes.push(performance.now() - t);
      if (body.items.length !== LIST_PODS)
        throw new Error(`listed ${body.items.length} pods, expected ${LIST_PODS}`);
      t = performance.now();
      let token = "";
      do {
        const page = (await (
          await fetch(
            `${apiserver.url}/api/v1/namespaces/list/pods?limit=500${token ? `&continue=${token}` : ""}`,
          )
        ).json()) as { metadata: { continue?: string } };
        token = page.metadata.continue ?? "";
      } while (token);
      pagedTimes.push(performance.now() - t);
      t = performance.now();
      const kvs = await raw.getAll().prefix("/registry/core/pods/list/").buffers();
      rawTimes.push(performance.now() - t);
      if (Object.keys(kvs).length !== LIST_PODS) throw new Error("raw list size mismatch");
    }
    const l = summarize(listTimes);
    const p = summarize(pagedTimes);
    const r = summarize(rawTimes);
    console.log(`\nlist ${LIST_PODS} pods (10 runs, ms)`);
    row("REST list, one response, from the watch cache p50/p99", `${fmt(l.p50)} / ${fmt(l.p99)}`);
    row("REST list in pages of 500 (kubectl's chunking) p50/p99", `${fmt(p.p50)} / ${fmt(p.p99)}`);
    row("raw etcd range of the same keys (values not decoded) p50/p99", `${fmt(r.p50)} / ${fmt(r.p99)}`);
    row("ratio one-response list / raw etcd range (p50)", fmt(l.p50 / r.p50, 2));

    // --- watch latency ------------------------------------------------------
    await client.create(findResource("", "namespaces")!, undefined, { metadata: { name: "watch" } });
    const rv = (await client.list(pods, "watch")).metadata.resourceVersion;
    const apiLatencies = await measureApiWatch(apiserver.url, rv ?? "0", client);
    const rawLatencies = await measureRawWatch(raw);
    const a = summarize(apiLatencies);
    const w = summarize(rawLatencies);
    console.log(`\nwatch delivery, ${WATCH_WRITES} writes, write → event (ms)`);
    row(
      `apiserver REST watch, ${WATCHERS} watchers, p50/p99 (n=${a.n})`,
      `${fmt(a.p50, 2)} / ${fmt(a.p99, 2)}`,
    );
    row(`raw etcd watch, ${WATCHERS} watchers, p50/p99 (n=${w.n})`, `${fmt(w.p50, 2)} / ${fmt(w.p99, 2)}`);

    // --- memory ---------------------------------------------------------------
    // Pods are written straight into etcd in batches (as another apiserver
    // would), so reaching 100k takes seconds; the apiserver's watch cache
    // takes them in through its etcd watch, as it would in a real cluster.
    console.log(`\napiserver memory (RSS; pods held in its watch cache)`);
    for (const target of [LIST_PODS, BIG_PODS]) {
      const held = await cachedPods(apiserver.url);
      await writePodsDirectly(raw, Math.max(0, target - held), `mem${target}`);
      await waitForCachedPods(apiserver.url, target);
      row(
        `RSS holding ${fmt((await cachedPods(apiserver.url)) / 1000, 0)}k pods`,
        `${fmt(await rssMiB(pid), 0)} MiB`,
      );
    }
  } finally {
    client.close();
    raw.close();
    await apiserver.stop();
    await etcd.stop();
  }
}

async function writePodsDirectly(raw: Etcd3, count: number, prefix: string): Promise<void> {
  const BATCH = 100;
  await throughput(Math.ceil(count / BATCH), 8, async (b) => {
    const ops = [];
    for (let i = b * BATCH; i < Math.min(count, (b + 1) * BATCH); i++) {
      const pod = benchPod(`${prefix}-${i}`, "default");
      pod.metadata!.uid = `00000000-0000-0000-0000-${String(i).padStart(12, "0")}`;
      pod.metadata!.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, "Z");
      pod.status = { phase: "Pending", qosClass: "Burstable" };
      ops.push(
        raw.put(`/registry/core/pods/default/${prefix}-${i}`).value(Buffer.from(podCodec.encode(pod))),
      );
    }
    await raw
      .if("/bench-never", "Create", "==", 0)
      .then(...ops)
      .commit();
  });
}

async function cachedPods(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/apiserver_watch_cache_objects\{resource="pods"\} (\d+)/.exec(text)?.[1] ?? 0);
}

async function waitForCachedPods(url: string, count: number): Promise<void> {
  const deadline = Date.now() + 120_000;
  while ((await cachedPods(url)) < count) {
    if (Date.now() > deadline) throw new Error(`the watch cache did not reach ${count} pods`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Opens WATCHERS REST watches, writes WATCH_WRITES pods stamped with their write time, collects delays. */
async function measureApiWatch(url: string, rv: string, client: ApiClient): Promise<number[]> {
  const latencies: number[] = [];
  const controllers: AbortController[] = [];
  let received = 0;
  const ready: Promise<void>[] = [];
  for (let i = 0; i < WATCHERS; i++) {
    const controller = new AbortController();
    controllers.push(controller);
    ready.push(
      fetch(`${url}/api/v1/namespaces/watch/pods?watch=true&resourceVersion=${rv}`, {
        signal: controller.signal,
      }).then((res) => {
        const reader = res.body!.getReader();
        const decoder = new TextDecoder();
        let buffer = "";
        void (async () => {
          try {
            for (;;) {
              const { value, done } = await reader.read();
              if (done) return;
              buffer += decoder.decode(value, { stream: true });
              let nl: number;
              while ((nl = buffer.indexOf("\n")) >= 0) {
                const line = buffer.slice(0, nl);
                buffer = buffer.slice(nl + 1);
                const at = /"written":"(\d+\.?\d*)"/.exec(line);
                if (at) latencies.push(performance.now() + performance.timeOrigin - Number(at[1]));
                received++;
              }
            }
          } catch {
            // aborted
          }
        })();
      }),
    );
  }
  await Promise.all(ready);
  for (let i = 0; i < WATCH_WRITES; i++) {
    const pod = benchPod(`w-${i}`, "watch");
    pod.metadata!.annotations = { written: String(performance.now() + performance.timeOrigin) };
    await client.create<Pod>(pods, "watch", pod);
    await new Promise((r) => setTimeout(r, 20));
  }
  const deadline = Date.now() + 30_000;
  while (received < WATCHERS * WATCH_WRITES && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  controllers.forEach((c) => c.abort());
  return latencies;
}

async function measureRawWatch(raw: Etcd3): Promise<number[]> {
  const latencies: number[] = [];
  const watchers = await Promise.all(
    Array.from({ length: WATCHERS }, () =>
      raw
        .watch()
        .prefix("/rawwatch/")
        .create()
        .then((w) => {
          w.on("put", (kv) =>
            latencies.push(performance.now() + performance.timeOrigin - Number(kv.value.toString())),
          );
          return w;
        }),
    ),
  );
  for (let i = 0; i < WATCH_WRITES; i++) {
    await raw.put(`/rawwatch/${i}`).value(String(performance.now() + performance.timeOrigin));
    await new Promise((r) => setTimeout(r, 20));
  }
  const deadline = Date.now() + 30_000;
  while (latencies.length < WATCHERS * WATCH_WRITES && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  await Promise.all(watchers.map((w) => w.cancel()));
  return latencies;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
