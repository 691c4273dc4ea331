"""Failover rehearsed for real: a primary cluster replicated into a standby by MirrorMaker 2 (from Maven Central),
with identical topic names and consumer-group offsets translated, the model MSK Replicator follows. A consumer group
processes half a topic on the primary; the primary is stopped; the group resumes on the standby. No acknowledged
record is lost, and the duplicates are counted.

What this proves about MSK Replicator, and what it does not (README, "Disaster recovery"): it proves the semantics the
runbook relies on (identical names, translated offsets that let a group resume near where it was, at-least-once)
with Kafka's own open-source engine. MSK Replicator is another engine (managed, cross-region, IAM, its own offset
sync); its latency, its translation granularity and its failure modes are not measured here.

The primary is a cluster of its own (three KRaft nodes, the bank's broker defaults), so that stopping it leaves the
rest of the runtime tier alone; the standby is the tier's shared cluster.
"""

from __future__ import annotations

import gc
import json
import time
import uuid
from pathlib import Path

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import NewTopic

from tests.runtime import harness
from tests.runtime.kafka_clients import admin

RECORDS = 2000
PARTITIONS = 6
PROCESSED_BEFORE_FAILOVER = RECORDS // 2


def _mirror_maker_properties(primary: str, standby: str, topic: str, group: str) -> dict[str, str]:
    return {
        "clusters": "primary, standby",
        "primary.bootstrap.servers": primary, "standby.bootstrap.servers": standby,
        "primary->standby.enabled": "true", "standby->primary.enabled": "false",
        "primary->standby.topics": topic.replace(".", "\\\\."), "primary->standby.groups": group,
        # Identical topic names, as MSK Replicator's IDENTICAL: clients need no rename on failover.
        "replication.policy.class": "org.apache.kafka.connect.mirror.IdentityReplicationPolicy",
        "sync.group.offsets.enabled": "true", "sync.group.offsets.interval.seconds": "1",
        "emit.checkpoints.interval.seconds": "1", "emit.heartbeats.interval.seconds": "1",
        "refresh.topics.interval.seconds": "2", "refresh.groups.interval.seconds": "2",
        "offset.lag.max": "10", "tasks.max": "2",
        **{f"{kind}.replication.factor": "3" for kind in ("replication", "checkpoints.topic", "heartbeats.topic",
                                                           "offset-syncs.topic", "offset.storage",
                                                           "status.storage", "config.storage")},
    }


def _end_offsets(bootstrap: str, topic: str) -> int:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"offsets-{uuid.uuid4()}"})
    try:
        total = 0
        for partition in range(PARTITIONS):
            _, high = consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=10)
            total += high
        return total
    finally:
        consumer.close()


def _committed(bootstrap: str, topic: str, group: str) -> int:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    try:
        offsets = consumer.committed([TopicPartition(topic, p) for p in range(PARTITIONS)], timeout=10)
        return sum(max(o.offset, 0) for o in offsets)
    finally:
        consumer.close()


def _consume(bootstrap: str, topic: str, group: str, *, limit: int | None, timeout: float,
             complete: set[int] | None = None) -> list[int]:
    """Record ids processed by ``group`` (committed after each batch), until ``limit``, until ``complete`` (with what
    was seen) holds every id, or nothing more arrives. In each partition the group re-reads first, so the
    duplicates are all in by the time the last record arrives."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "auto.offset.reset": "earliest",
                         "enable.auto.commit": False})
    consumer.subscribe([topic])
    seen: list[int] = []
    deadline, idle_since = time.monotonic() + timeout, None
    try:
        while time.monotonic() < deadline and (limit is None or len(seen) < limit):
            messages = consumer.consume(num_messages=min(100, (limit or 100) - len(seen)) if limit else 100,
                                        timeout=1.0)
            messages = [m for m in messages if m.error() is None]
            if not messages:
                idle_since = idle_since or time.monotonic()
                if limit is None and seen and time.monotonic() - idle_since > 10:
                    break
                continue
            idle_since = None
            seen += [json.loads(m.value())["id"] for m in messages]
            consumer.commit(asynchronous=False)
            if complete is not None and complete <= set(seen):
                break
    finally:
        consumer.close()
    return seen


@pytest.fixture(scope="module")
def rehearsal(runtime):
    directory = runtime.directory / f"failover-{uuid.uuid4().hex[:6]}"
    directory.mkdir()
    primary = harness.KafkaNodes(runtime.jars, directory, runtime.kafka.server_properties)
    try:
        primary.start()
        yield primary, directory
    finally:
        primary.stop()


def test_a_group_resumes_on_the_standby_without_losing_an_acknowledged_record(runtime, rehearsal):
    primary, directory = rehearsal
    topic, group = f"payments-{uuid.uuid4().hex[:8]}", "rehearsal-consumers"
    client = admin(primary.bootstrap)  # held until the future resolves: a collected client cancels its requests
    [future] = client.create_topics([NewTopic(topic, PARTITIONS, 3)]).values()
    future.result(timeout=60)
    del client
    properties = directory / "mm2.properties"
    properties.write_text(harness.render(_mirror_maker_properties(primary.bootstrap, runtime.kafka.bootstrap,
                                                                  topic, group)))
    mirror = harness.start_process("mirror-maker", harness.java_command(
        runtime.jars, "org.apache.kafka.connect.mirror.MirrorMaker", [str(properties)], heap="512m"), directory)
    try:
        # Acknowledged by all in-sync replicas (acks=all, the bank's min ISR 2): what the producer was told is safe.
        acknowledged: set[int] = set()
        producer = Producer({"bootstrap.servers": primary.bootstrap, "acks": "all", "enable.idempotence": True,
                             "compression.type": "zstd"})
        for i in range(RECORDS):
            producer.produce(topic, key=str(i % 97).encode(), value=json.dumps({"id": i}).encode(),
                             on_delivery=lambda error, message: error is None and acknowledged.add(
                                 json.loads(message.value())["id"]))
        assert producer.flush(60) == 0
        assert len(acknowledged) == RECORDS
        del producer  # librdkafka handles of the primary would keep calling it after it is gone

        before = _consume(primary.bootstrap, topic, group, limit=PROCESSED_BEFORE_FAILOVER, timeout=60)
        assert len(before) == PROCESSED_BEFORE_FAILOVER
        committed = _committed(primary.bootstrap, topic, group)

        # Planned failover: wait until the standby holds every record and the group's translated offsets.
        harness.wait_until(lambda: _end_offsets(runtime.kafka.bootstrap, topic) >= RECORDS, timeout=120,
                           what="MirrorMaker 2 to copy every record")
        harness.wait_until(lambda: _committed(runtime.kafka.bootstrap, topic, group) > 0, timeout=120,
                           what="MirrorMaker 2 to translate the group's offsets")
        translated = _committed(runtime.kafka.bootstrap, topic, group)
    finally:
        mirror.stop()
    gc.collect()
    primary.stop()  # the region is lost

    remaining = acknowledged - set(before)
    after = _consume(runtime.kafka.bootstrap, topic, group, limit=None, timeout=120, complete=remaining)
    processed = before + after
    assert acknowledged <= set(processed), f"lost: {sorted(acknowledged - set(processed))[:20]}"
    duplicates = len(before) + len(after) - len(set(processed))
    # Offsets were translated, not reset: the group did not start again from the beginning on the standby.
    assert translated <= committed and duplicates < PROCESSED_BEFORE_FAILOVER
    record = {"records": RECORDS, "processed_before": len(before), "committed_on_primary": committed,
              "translated_on_standby": translated, "processed_after": len(after), "duplicates": duplicates}
    (Path(runtime.directory) / "failover-rehearsal.json").write_text(json.dumps(record))
    print(f"\nfailover rehearsal: {record}")
