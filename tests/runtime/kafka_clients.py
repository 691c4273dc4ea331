"""Kafka clients for the runtime tests (confluent-kafka, librdkafka with zstd)."""

from __future__ import annotations

import json
import time
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, ResourceType


def admin(bootstrap: str) -> AdminClient:
    return AdminClient({"bootstrap.servers": bootstrap})


def _describe(bootstrap: str, resource: ConfigResource) -> dict[str, str]:
    client = admin(bootstrap)  # held until the future resolves: a collected client cancels its requests
    [future] = client.describe_configs([resource]).values()
    return {name: entry.value for name, entry in future.result(timeout=30).items()}


def broker_config(bootstrap: str, broker_id: str = "1") -> dict[str, str]:
    return _describe(bootstrap, ConfigResource(ResourceType.BROKER, broker_id))


def topic_config(bootstrap: str, topic: str) -> dict[str, str]:
    return _describe(bootstrap, ConfigResource(ResourceType.TOPIC, topic))


def partitions(bootstrap: str, topic: str) -> int:
    client = admin(bootstrap)
    metadata = client.list_topics(topic=topic, timeout=30)
    return len(metadata.topics[topic].partitions)


def topics(bootstrap: str) -> set[str]:
    client = admin(bootstrap)
    return set(client.list_topics(timeout=30).topics)


def consume_json(bootstrap: str, topic: str, *, until, timeout: float = 60.0) -> list[dict[str, Any]]:
    """Read ``topic`` from the start until ``until(messages)`` holds; returns the JSON values read.

    The partitions are assigned, not subscribed to: no consumer group to join, so a slow coordinator or rebalance on a
    loaded machine cannot eat the timeout. A topic that does not exist yet (the connector creates it with its first
    record) is waited for within the same timeout."""
    deadline = time.monotonic() + timeout
    # earliest: a partition whose start offset cannot be read yet (the topic created a moment ago) is read from its
    # start when it can be, not skipped to its end (librdkafka's default, which lost a record here once).
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"runtime-test-{time.time_ns()}",
                         "enable.auto.commit": False, "allow.auto.create.topics": False,
                         "auto.offset.reset": "earliest"})
    values: list[dict[str, Any]] = []
    try:
        numbers = _partitions_once_created(consumer, topic, deadline)
        consumer.assign([TopicPartition(topic, number, OFFSET_BEGINNING) for number in numbers])
        while numbers and time.monotonic() < deadline and not until(values):
            message = consumer.poll(1.0)
            if message is None:
                continue
            if message.error():
                # A partition of a topic just created may have no leader yet: librdkafka retries it by itself.
                if message.error().code() in (KafkaError._PARTITION_EOF, KafkaError.UNKNOWN_TOPIC_OR_PART):
                    continue
                raise RuntimeError(message.error())
            if message.value() is not None:
                values.append(json.loads(message.value()))
    finally:
        consumer.close()
    return values


def _partitions_once_created(consumer: Consumer, topic: str, deadline: float) -> list[int]:
    """``topic``'s partition numbers, waiting until ``deadline`` for it to exist; none if it never does."""
    while True:
        metadata = consumer.list_topics(topic=topic, timeout=max(1.0, min(10.0, deadline - time.monotonic())))
        found = metadata.topics.get(topic)
        if found is not None and found.error is None and found.partitions:
            return sorted(found.partitions)
        if time.monotonic() >= deadline:
            return []
        time.sleep(0.5)


def end_offsets(bootstrap: str, topic: str) -> dict[str, list[int]]:
    """Each partition's end offset as a read_committed consumer sees it (the last stable offset: an open transaction
    holds it back) and as read_uncommitted sees it (the high watermark); for a test's diagnosis."""
    ends: dict[str, list[int]] = {}
    for isolation in ("read_committed", "read_uncommitted"):
        consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"runtime-test-{time.time_ns()}",
                             "isolation.level": isolation})
        try:
            ends[isolation] = [consumer.get_watermark_offsets(TopicPartition(topic, n), timeout=10)[1]
                               for n in _partitions_once_created(consumer, topic, deadline=time.monotonic())]
        finally:
            consumer.close()
    return ends


def keys(bootstrap: str, topic: str, timeout: float = 60.0) -> list[str]:
    """Every record's key in ``topic``, up to each partition's end as it is now (Connect's status topic, for
    counting a connector's starts)."""
    deadline = time.monotonic() + timeout
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"runtime-test-{time.time_ns()}",
                         "enable.auto.commit": False})
    found: list[str] = []
    try:
        numbers = _partitions_once_created(consumer, topic, deadline)
        ends = {n: consumer.get_watermark_offsets(TopicPartition(topic, n), timeout=10)[1] for n in numbers}
        consumer.assign([TopicPartition(topic, n, OFFSET_BEGINNING) for n in numbers])
        done = {n for n, end in ends.items() if end == 0}
        while len(done) < len(numbers) and time.monotonic() < deadline:
            message = consumer.poll(1.0)
            if message is None or message.error():
                continue
            found.append((message.key() or b"").decode())
            if message.offset() + 1 >= ends[message.partition()]:
                done.add(message.partition())
    finally:
        consumer.close()
    return found


def produce(bootstrap: str, topic: str, value: bytes, **config: Any) -> KafkaError | None:
    """Produce one message and wait; returns the delivery error, if any."""
    errors: list[KafkaError | None] = []
    producer = Producer({"bootstrap.servers": bootstrap, "message.timeout.ms": 5000, **config})
    producer.produce(topic, value, on_delivery=lambda error, message: errors.append(error))
    producer.flush(15)
    return errors[0] if errors else KafkaError(KafkaError._MSG_TIMED_OUT)
