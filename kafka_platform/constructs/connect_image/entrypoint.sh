#!/bin/sh
# Starts one Kafka Connect distributed worker.
#   CONNECT_WORKER_PROPERTIES  the worker settings, rendered at synth by kafka_platform.domain.connect_worker
#   KAFKA_BOOTSTRAP_SERVERS    the MSK brokers (IAM, port 9098)
#   KAFKA_HEAP_OPTS            JVM heap, e.g. -Xms3g -Xmx3g
# Each worker advertises its own task IP: followers forward REST requests to the leader at that address.
set -eu
: "${CONNECT_WORKER_PROPERTIES:?the worker settings are missing}"
: "${KAFKA_BOOTSTRAP_SERVERS:?the bootstrap servers are missing}"

advertised_host() {
  ip=""
  if [ -n "${ECS_CONTAINER_METADATA_URI_V4:-}" ]; then
    ip="$(curl -fsS "${ECS_CONTAINER_METADATA_URI_V4}" | tr -d ' \n' \
          | sed -n 's/.*"IPv4Addresses":\["\([0-9.]*\)".*/\1/p' | head -n 1)" || ip=""
  fi
  # In awsvpc mode the task's host name resolves to its ENI address.
  [ -n "$ip" ] || ip="$(hostname -i | tr ' ' '\n' | grep -E '^[0-9.]+$' | head -n 1)"
  printf '%s' "$ip"
}

HOST="$(advertised_host)"
: "${HOST:?cannot find this task's IP address}"
PROPERTIES=/opt/connect/config/worker.properties
printf '%s\n' "$CONNECT_WORKER_PROPERTIES" > "$PROPERTIES"
printf 'bootstrap.servers=%s\nrest.advertised.host.name=%s\n' "$KAFKA_BOOTSTRAP_SERVERS" "$HOST" >> "$PROPERTIES"

exec java ${KAFKA_HEAP_OPTS:--Xms1g -Xmx1g} -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError \
  -Djava.io.tmpdir=/tmp/connect -Dlog4j2.configurationFile=/opt/connect/log4j2.properties \
  -cp '/opt/connect/libs/*' org.apache.kafka.connect.cli.ConnectDistributed "$PROPERTIES"
