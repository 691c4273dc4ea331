"""``make bench-connect``: the platform's Kafka Connect cluster at the bank's connector count, measured on the real
runtime tier (``tests/runtime/harness.py``): three KRaft nodes, PostgreSQL with one database per connector, and two
Connect workers with the image's own JVM flags and heap (half of ``connect.memory_mib`` of prod: G1, -Xms = -Xmx) and
the platform's worker settings, nothing overridden.

For each N (10, 20, 30 by default; ``--counts``) from an empty cluster. 30 is about what this project's 2-core, 24 GiB
machine holds with three brokers, PostgreSQL and two workers on it: at 40 the load average passed 25 and not every
stream delivered within 5 minutes (the README gives that run).

* **reconcile**: the time to bring all N connectors to RUNNING through the real reconciler (``reconcile``, with the
  template's StableSeconds of 15), at most 4 at a time: the reconciler's reserved concurrency, so as CloudFormation
  would meet it;
* **latency**: end-to-end CDC latency, commit in PostgreSQL (Debezium's ``source.ts_ms``) to the record on the topic
  (its timestamp, set as Connect's producer sends it), p50 and p99, over 60 s at a fixed change rate of
  ``RATE_PER_DATABASE`` rows a second in every database, once every stream's topic exists and is read; and to the
  record reaching a consumer (``read_committed``: after Connect's transaction commits);
* **heap and RSS** of each worker, the heap after a full GC (``jcmd GC.run``, then ``GC.heap_info``: the live set);
* **pause on add**: one more connector added at N; for 60 s each stream's longest gap between records, against its
  steady gap (cooperative rebalancing should leave the running streams alone);
* **worker lost**: one worker killed (SIGKILL); the time until every stream delivers a change committed after the
  kill. With the platform's ``scheduled.rebalance.max.delay.ms`` (120 s) at every N, and with other delays
  (``--delays``; Kafka's default 300 s) at the smallest N (the delay, not N, dominates it).

Writes ``docs/benchmarks/connect/results.json``, ``results.md`` (the table) and ``connect.png`` (latency and heap against N).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from kafka_platform.config import load_environments
from kafka_platform.domain.connect_worker import ConnectWorkerSettings
from kafka_platform.domain.debezium import PostgresConnectorSpec, env_prefix
from kafka_platform.domain.msk import effective_server_properties
from tests.conftest import PLANTED_AWS  # nothing here calls AWS: credentials that must stay unused, a closed port
from tests.runtime import harness
from tests.runtime_code.lambda_modules import load

ROOT = harness.ROOT
OUT = ROOT / "docs" / "benchmarks" / "connect"
RATE_PER_DATABASE = 0.5  # rows a second in every database: a microservice's light but steady write load
STABLE_SECONDS = 15  # the template's StableSeconds for every connector
RECONCILER_CONCURRENCY = 4  # the reconciler's reserved concurrency (DebeziumConnectCluster)
STEADY_SECONDS = 60
PAUSE_WINDOW_SECONDS = 60
KAFKA_DEFAULT_REBALANCE_DELAY_MS = 300_000
PLATFORM_REBALANCE_DELAY_MS = ConnectWorkerSettings(group_id="x").scheduled_rebalance_max_delay_ms
WORKERS = 2

reconciler = load("connector_reconciler")
connect_rest = load("connect_rest")


def prod_memory_mib() -> int:
    [prod] = [e for e in load_environments(ROOT / "environments") if e.name == "prod"]
    assert prod.connect is not None
    return prod.connect.memory_mib


def database(i: int) -> str:
    return f"bench_{i:03d}"


def connector_spec(template: PostgresConnectorSpec, i: int) -> PostgresConnectorSpec:
    name = f"bench-{i:03d}-cdc"
    return replace(template, name=name, database_name=database(i), tables=("public.entities",),
                   topic_prefix=f"bench.s{i:03d}", slot_name=f"bench_{i:03d}", publication_name=f"bench_{i:03d}",
                   credentials_env_prefix=env_prefix(name))


@dataclass
class Arrivals:
    """Every change record's arrival, by stream (database), with its commit time."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    #: db -> [(committed, arrived, on the topic)]: commit in PostgreSQL (Debezium's source.ts_ms), arrival at the
    #: consumer, and the record's timestamp (CreateTime: when Connect's producer sent it).
    records: dict[str, list[tuple[float, float, float]]] = field(default_factory=dict)

    def add(self, db: str, committed: float, arrived: float, produced: float) -> None:
        with self.lock:
            self.records.setdefault(db, []).append((committed, arrived, produced))

    def between(self, start: float, end: float) -> dict[str, list[tuple[float, float, float]]]:
        with self.lock:
            return {db: [r for r in rows if start <= r[1] < end] for db, rows in self.records.items()}

    def streams(self) -> set[str]:
        with self.lock:
            return set(self.records)


def consume(bootstrap: str, arrivals: Arrivals, stop: threading.Event) -> None:
    from confluent_kafka import Consumer

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"bench-{time.time_ns()}",
                         "auto.offset.reset": "earliest", "enable.auto.commit": False,
                         "topic.metadata.refresh.interval.ms": 2000, "isolation.level": "read_committed",
                         # a topic Connect has just created answers "unknown partition" for a moment: not news
                         "log_level": 3})
    consumer.subscribe(["^bench\\.s.*"])
    try:
        while not stop.is_set():
            for message in consumer.consume(num_messages=500, timeout=0.5):
                if message.error() or message.value() is None:
                    continue
                arrived = time.time()
                payload = json.loads(message.value()).get("payload") or {}
                source = payload.get("source") or {}
                if payload.get("op") in ("c", "u") and "ts_ms" in source:
                    arrivals.add(source["db"], source["ts_ms"] / 1000, arrived, message.timestamp()[1] / 1000)
    finally:
        consumer.close()


class Writer:
    """Inserts rows at a fixed rate in every database, through one psql session that moves between them."""

    def __init__(self, postgres: harness.Postgres, count: int):
        self.postgres, self.count = postgres, count
        self.stop = threading.Event()
        data = postgres.directory / "data"
        command = postgres._as_postgres(["psql", "-X", "-q", "-h", str(data), "-p", str(postgres.port), "-U",
                                         "postgres", "-d", database(0)])
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, text=True)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.databases = count

    def _run(self) -> None:
        interval = 1 / (RATE_PER_DATABASE * self.databases)
        i = 0
        next_at = time.monotonic()
        while not self.stop.is_set():
            db = database(i % self.databases)
            assert self.process.stdin is not None
            self.process.stdin.write(f"\\c {db}\nINSERT INTO public.entities (reference, amount) VALUES "
                                     f"('row-{i}', {i % 1000});\n")
            self.process.stdin.flush()
            i += 1
            next_at += interval
            time.sleep(max(0.0, next_at - time.monotonic()))

    def start(self) -> "Writer":
        self.thread.start()
        return self

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        if self.process.stdin:
            self.process.stdin.close()
        self.process.wait(10)


def heap_and_rss(pid: int) -> dict[str, float]:
    subprocess.run(["jcmd", str(pid), "GC.run"], capture_output=True, timeout=60)
    info = subprocess.run(["jcmd", str(pid), "GC.heap_info"], capture_output=True, text=True, timeout=60).stdout
    match = re.search(r"total (\d+)K, used (\d+)K", info)
    rss = next((int(line.split()[1]) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                if line.startswith("VmRSS:")), 0)
    return {"heap_used_mib": int(match.group(2)) / 1024 if match else float("nan"),
            "heap_total_mib": int(match.group(1)) / 1024 if match else float("nan"), "rss_mib": rss / 1024}


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


class Cluster:
    """Kafka, PostgreSQL with ``count`` (+1) databases, and the Connect workers, in one temporary directory."""

    def __init__(self, directory: Path, jars: Path, pg_bin: str, count: int, rebalance_delay_ms: int,
                 overrides: dict[str, str] | None = None):
        self.directory, self.jars, self.count, self.overrides = directory, jars, count, overrides or {}
        [prod] = [e for e in load_environments(ROOT / "environments") if e.name == "prod"]
        assert prod.connect is not None
        self.template = prod.connect.connectors[0].spec()
        self.postgres = harness.Postgres(Path(pg_bin), directory / "postgres", harness.free_port(),
                                         max_replication_slots=count + 10)
        self.postgres.directory.mkdir()
        self.kafka = harness.KafkaNodes(jars, directory, effective_server_properties(prod.kafka.server_properties),
                                        jvm_flags=("-XX:+UseG1GC",))
        self.settings = ConnectWorkerSettings(group_id="bench-cdc", security="plaintext",
                                              scheduled_rebalance_max_delay_ms=rebalance_delay_ms)
        self.specs = [connector_spec(self.template, i) for i in range(count + 1)]
        self.environment = {variable: value for spec in self.specs for variable, value in
                            ((spec.user_variable, harness.DB_USER), (spec.password_variable, harness.DB_PASSWORD))}
        self.workers: list[harness.ConnectWorker] = []
        self.secrets = harness.FakeSecretsManager()

    def start(self) -> None:
        self.postgres.start()
        self.kafka.start()
        for i in range(self.count + 1):
            self.postgres.create_database(database(i), ["public.entities"])
        heap = f"{prod_memory_mib() // 2}m"
        for i in range(WORKERS):
            self.workers.append(harness.start_connect_worker(
                self.jars, self.directory, self.kafka.bootstrap, self.settings, self.environment, f"connect-{i + 1}",
                heap=heap, image_jvm=True, platform_settings_only=True, overrides=self.overrides))
        os.environ.update({"CONNECT_URL": self.workers[0].url, "CONNECT_REST_SECRET_ARN": harness.REST_SECRET_ARN,
                           "AWS_ENDPOINT_URL_SECRETS_MANAGER": self.secrets.url})

    def config(self, spec: PostgresConnectorSpec) -> dict[str, str]:
        config = dict(spec.config())
        config.update({"database.hostname": "127.0.0.1", "database.port": str(self.postgres.port),
                       "database.sslrootcert": str(self.postgres.ca_file)})
        return config

    def reconcile(self, spec: PostgresConnectorSpec) -> float:
        started = time.monotonic()
        client = connect_rest.platform_client(self.workers[0].url, deadline=time.monotonic() + 900)
        event = {"RequestType": "Create", "ResourceType": "Custom::KafkaConnector", "LogicalResourceId": spec.name,
                 "RequestId": spec.name, "ResourceProperties": {
                     "ConnectUrl": self.workers[0].url, "ConnectorName": spec.name, "Config": self.config(spec),
                     "DesiredState": "running", "TimeoutSeconds": "900", "StableSeconds": str(STABLE_SECONDS)}}
        reconciler.reconcile(event, client)
        return time.monotonic() - started

    def stop(self) -> None:
        for variable in ("CONNECT_URL", "CONNECT_REST_SECRET_ARN", "AWS_ENDPOINT_URL_SECRETS_MANAGER"):
            os.environ.pop(variable, None)
        self.secrets.stop()
        for worker in self.workers:
            worker.stop()
        self.kafka.stop()
        self.postgres.stop()


def measure(count: int, jars: Path, pg_bin: str, rebalance_delay_ms: int, *, full: bool,
            overrides: dict[str, str] | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {"connectors": count, "workers": WORKERS, "rebalance_delay_ms": rebalance_delay_ms,
                              **({"overrides": overrides} if overrides else {})}
    with harness.temporary_directory() as directory:
        cluster = Cluster(directory, jars, pg_bin, count, rebalance_delay_ms, overrides)
        arrivals, stop = Arrivals(), threading.Event()
        consumer = threading.Thread(target=consume, args=(None, arrivals, stop), daemon=True)
        writer = None
        try:
            cluster.start()
            consumer = threading.Thread(target=consume, args=(cluster.kafka.bootstrap, arrivals, stop), daemon=True)
            consumer.start()
            started = time.monotonic()
            with ThreadPoolExecutor(max_workers=RECONCILER_CONCURRENCY) as pool:
                each = list(pool.map(cluster.reconcile, cluster.specs[:count]))
            result["reconcile_seconds"] = round(time.monotonic() - started, 1)
            result["reconcile_each_p50_seconds"] = round(statistics.median(each), 1)
            print(f"N={count}: {count} connectors reconciled in {result['reconcile_seconds']} s", flush=True)
            writer = Writer(cluster.postgres, count).start()
            # Every stream's topic created (by its first row) and read by the consumer before anything is measured:
            # the consumer's pattern subscription rebalances with each new topic.
            try:
                harness.wait_until(lambda: len(arrivals.streams()) >= count, timeout=300, what="every stream's topic")
            except TimeoutError:
                # What this machine cannot hold is a result too: said, not crashed on.
                result["held"] = False
                result["note"] = (f"{len(arrivals.streams())} of {count} streams delivered within 300 s; load average "
                                  f"{os.getloadavg()[0]:.0f} on {os.cpu_count()} cores")
                print(f"N={count}: did not hold: {result['note']}", flush=True)
                return result
            time.sleep(15)
            steady_from = time.time()
            time.sleep(STEADY_SECONDS)
            steady = arrivals.between(steady_from, time.time())
            to_topic = [produced - committed for rows in steady.values() for committed, _, produced in rows]
            to_consumer = [arrived - committed for rows in steady.values() for committed, arrived, _ in rows]
            result["latency_p50_ms"] = round(percentile(to_topic, 0.5) * 1000)
            result["latency_p99_ms"] = round(percentile(to_topic, 0.99) * 1000)
            result["consumer_latency_p50_ms"] = round(percentile(to_consumer, 0.5) * 1000)
            result["consumer_latency_p99_ms"] = round(percentile(to_consumer, 0.99) * 1000)
            result["changes_measured"] = len(to_topic)
            result["streams_delivering"] = sum(1 for rows in steady.values() if rows)
            steady_gaps = [b[1] - a[1] for rows in steady.values() for a, b in zip(rows, rows[1:])]
            result["steady_gap_p99_s"] = round(percentile(steady_gaps, 0.99), 1)
            memory = [heap_and_rss(w.process.popen.pid) for w in cluster.workers]
            result["heap_used_mib"] = [round(m["heap_used_mib"]) for m in memory]
            result["heap_mib"] = round(memory[0]["heap_total_mib"])
            result["rss_mib"] = [round(m["rss_mib"]) for m in memory]
            print(f"N={count}: latency to the topic p50 {result['latency_p50_ms']} ms p99 {result['latency_p99_ms']} "
                  f"ms, to a consumer p50 {result['consumer_latency_p50_ms']} ms p99 "
                  f"{result['consumer_latency_p99_ms']} ms ({result['changes_measured']} changes), heap "
                  f"{result['heap_used_mib']} MiB, RSS {result['rss_mib']} MiB", flush=True)
            if full:
                added_at = time.time()
                cluster.reconcile(cluster.specs[count])
                time.sleep(max(0.0, PAUSE_WINDOW_SECONDS - (time.time() - added_at)))
                window = arrivals.between(added_at, time.time())
                gaps = {db: max([b[1] - a[1] for a, b in zip(rows, rows[1:])] or [float("inf")])
                        for db, rows in window.items() if db != database(count)}
                result["add_max_gap_s"] = round(max(gaps.values()), 1)
                result["add_streams_paused"] = sum(1 for gap in gaps.values() if gap > 3 / RATE_PER_DATABASE)
                print(f"N={count}: adding one connector: longest gap {result['add_max_gap_s']} s, "
                      f"{result['add_streams_paused']} streams paused", flush=True)
            result["worker_lost_seconds"] = kill_and_recover(cluster, arrivals, count)
            print(f"N={count}: a lost worker's streams all ran again after {result['worker_lost_seconds']} s "
                  f"(scheduled.rebalance.max.delay.ms {rebalance_delay_ms})", flush=True)
        finally:
            stop.set()
            if writer:
                writer.close()
            if consumer.is_alive():
                consumer.join(10)
            cluster.stop()
    return result


def kill_and_recover(cluster: Cluster, arrivals: Arrivals, count: int) -> float:
    """SIGKILL the second worker; seconds until every stream delivered a change committed after the kill."""
    victim = cluster.workers[1].process.popen
    killed_at = time.time()
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(10)
    limit = cluster.settings.scheduled_rebalance_max_delay_ms / 1000 + 180
    streams = {database(i) for i in range(count)}
    while time.time() - killed_at < limit:
        recent = arrivals.between(killed_at, time.time())
        recovered = {db for db, rows in recent.items() if any(committed > killed_at + 1 for committed, *_ in rows)}
        if streams <= recovered:
            firsts = [min(arrived for committed, arrived, _ in recent[db] if committed > killed_at + 1)
                      for db in streams]
            return round(max(firsts) - killed_at, 1)
        time.sleep(1)
    return float("inf")


def write(results: list[dict[str, Any]], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    lines = ["| connectors | workers | rebalance delay | settings tried | reconcile all | commit to topic p50 / p99 | "
             "to a consumer p50 / p99 | live heap per worker | heap | RSS per worker | adding one: longest gap "
             "(streams paused) | worker lost: all streams again |", "| " + " | ".join(["---:"] * 12) + " |"]
    for r in sorted(results, key=lambda r: (r["rebalance_delay_ms"] != PLATFORM_REBALANCE_DELAY_MS,
                                           r["rebalance_delay_ms"], "overrides" in r, r["connectors"])):
        tried = ", ".join(f"{k}={v}" for k, v in r.get("overrides", {}).items()) or "the platform's"
        if r.get("held") is False:
            lines.append(f"| {r['connectors']} | {r['workers']} | {r['rebalance_delay_ms'] // 1000} s | {tried} | "
                         f"{r['reconcile_seconds']} s | did not hold: {r['note']} |" + " |" * 6)
            continue
        add = f"{r['add_max_gap_s']} s ({r['add_streams_paused']})" if "add_max_gap_s" in r else "not measured"
        lines.append(f"| {r['connectors']} | {r['workers']} | {r['rebalance_delay_ms'] // 1000} s | {tried} | "
                     f"{r['reconcile_seconds']} s | {r['latency_p50_ms']} / {r['latency_p99_ms']} ms | "
                     f"{r.get('consumer_latency_p50_ms', '-')} / {r.get('consumer_latency_p99_ms', '-')} ms | "
                     f"{' / '.join(map(str, r['heap_used_mib']))} MiB | {r['heap_mib']} MiB | "
                     f"{' / '.join(map(str, r['rss_mib']))} MiB | {add} | {r['worker_lost_seconds']} s |")
    (out / "results.md").write_text("\n".join(lines) + "\n")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    # The series against N: the delay measured at the most counts (the others are single points).
    delays = [r["rebalance_delay_ms"] for r in results if "add_max_gap_s" in r] or [0]
    series = max(set(delays), key=delays.count)
    full = sorted((r for r in results if r["rebalance_delay_ms"] == series and "add_max_gap_s" in r
                   and "overrides" not in r),
                  key=lambda r: r["connectors"])
    n = [r["connectors"] for r in full]
    figure, (latency, heap) = plt.subplots(1, 2, figsize=(10, 4))
    latency.plot(n, [r["latency_p50_ms"] for r in full], "o-", label="p50")
    latency.plot(n, [r["latency_p99_ms"] for r in full], "s-", label="p99")
    latency.set(xlabel="connectors", ylabel="commit to the topic (ms)", title="CDC latency")
    latency.legend()
    heap.plot(n, [max(r["heap_used_mib"]) for r in full], "o-", label="live heap, busiest worker")
    heap.plot(n, [max(r["rss_mib"]) for r in full], "s-", label="RSS, largest worker")
    heap.set(xlabel="connectors", ylabel="MiB", title=f"Worker memory ({WORKERS} workers)")
    heap.legend()
    figure.tight_layout()
    figure.savefig(out / "connect.png", dpi=100)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--counts", default="10,20,30", help="connector counts to measure (default 10,20,30: what a "
                                                             "2-core machine holds with the brokers and PostgreSQL)")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--delays", default=f"{PLATFORM_REBALANCE_DELAY_MS // 1000},"
                                            f"{KAFKA_DEFAULT_REBALANCE_DELAY_MS // 1000}",
                        help="scheduled.rebalance.max.delay.ms in seconds: the first at every count, the others (a "
                             "lost worker only) at the smallest (default: the platform's 120, then Kafka's 300)")
    parser.add_argument("--append", action="store_true", help="add to the results already in --out")
    parser.add_argument("--variants", default="", help="worker settings to measure against the platform's at the "
                                                       "smallest count, ';' between variants, ',' between settings "
                                                       "(e.g. producer.override... or producer.linger.ms=0;"
                                                       "producer.linger.ms=50,producer.batch.size=65536)")
    parser.add_argument("--only-variants", action="store_true", help="measure the variants alone (with --append)")
    arguments = parser.parse_args(argv)
    counts = [int(c) for c in arguments.counts.split(",")]
    delays = [int(d) * 1000 for d in arguments.delays.split(",")]
    os.environ.update(PLANTED_AWS)
    tools = harness.prerequisites()
    jars = harness.resolve_jars(tools["mvn"])
    results = json.loads((arguments.out / "results.json").read_text()) if arguments.append else []
    variants = [dict(item.split("=", 1) for item in variant.split(",")) for variant in arguments.variants.split(";")
                if variant]
    if not arguments.only_variants:
        for count in counts:
            results.append(measure(count, jars, tools["pg_bin"], delays[0], full=True))
            write(results, arguments.out)
        for delay in delays[1:]:
            results.append(measure(min(counts), jars, tools["pg_bin"], delay, full=False))
            write(results, arguments.out)
    for overrides in variants:
        results.append(measure(min(counts), jars, tools["pg_bin"], delays[0], full=False, overrides=overrides))
        write(results, arguments.out)
    print((arguments.out / "results.md").read_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
